/**
 * What an upload is, from its first bytes (never its name or Content-Type), as Paperclip's content
 * type detection tells Mastodon: the video and audio containers Mastodon takes (MP4/MOV/M4A/3GP,
 * WebM, Ogg, MP3, AAC, WAV, FLAC, ASF/WMA) and animated GIFs. Only these reach ffmpeg, each with its
 * demuxer named, so ffmpeg never guesses (a playlist or a script is never read as a medium).
 */

export type Demuxer = 'mov' | 'matroska' | 'ogg' | 'mp3' | 'aac' | 'wav' | 'flac' | 'asf';

export interface AudioVisualContainer {
  demuxer: Demuxer;
  /** the extension the upload is kept under until it is processed */
  extension: string;
}

const ASF_GUID = Buffer.from([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c]);
const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
/** QuickTime files older than `ftyp` start with one of these boxes. */
const QUICKTIME_BOXES = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

const ascii = (bytes: Buffer, start: number, end: number) => bytes.subarray(start, end).toString('latin1');

/** The EBML header's DocType: `webm` or `matroska`. Mastodon takes WebM only (video/webm), not Matroska. */
function ebmlDocType(bytes: Buffer): string | undefined {
  const header = bytes.subarray(0, 64);
  const at = header.indexOf(Buffer.from([0x42, 0x82]));
  if (at < 0 || at + 3 >= header.length) return undefined;
  const size = header[at + 2]! & 0x7f;
  return ascii(header, at + 3, at + 3 + size);
}

/** Brands of HEIF files whose pictures are HEVC (HEIC, what phones write) or any codec (the generic `mif1`/`msf1`). */
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** The brands an ISO-BMFF file says it follows: the major one and the compatible ones of its `ftyp` box. */
function ftypBrands(bytes: Buffer): string[] {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return [];
  const end = Math.min(bytes.readUInt32BE(0), bytes.length, 256);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(bytes, at, at + 4));
  return brands;
}

/**
 * Whether the content is a HEIF image, and of which kind: `avif` (AV1, which sharp reads) or `heic`
 * (HEVC, as phones write them, decoded by libheif: media-processing.ts). Read from the `ftyp`
 * box's brands, never the name or the header sent with the file.
 */
export function heifKind(bytes: Buffer): 'heic' | 'avif' | undefined {
  const brands = ftypBrands(bytes);
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return 'avif';
  if (brands.some((brand) => HEIC_BRANDS.has(brand))) return 'heic';
  return undefined;
}

export function audioVisualContainer(bytes: Buffer): AudioVisualContainer | undefined {
  if (bytes.length < 16) return undefined;
  const box = ascii(bytes, 4, 8);
  if (box === 'ftyp') {
    const brand = ascii(bytes, 8, 12);
    if (heifKind(bytes)) return undefined;
    return { demuxer: 'mov', extension: brand === 'qt  ' ? 'mov' : brand.startsWith('M4A') ? 'm4a' : brand.startsWith('3g') ? '3gp' : 'mp4' };
  }
  if (QUICKTIME_BOXES.has(box) && bytes.readUInt32BE(0) >= 8) return { demuxer: 'mov', extension: 'mov' };
  if (bytes.subarray(0, 4).equals(EBML_MAGIC)) return ebmlDocType(bytes) === 'webm' ? { demuxer: 'matroska', extension: 'webm' } : undefined;
  if (ascii(bytes, 0, 4) === 'OggS') return { demuxer: 'ogg', extension: 'ogg' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WAVE') return { demuxer: 'wav', extension: 'wav' };
  if (ascii(bytes, 0, 4) === 'fLaC') return { demuxer: 'flac', extension: 'flac' };
  if (bytes.subarray(0, 16).equals(ASF_GUID)) return { demuxer: 'asf', extension: 'wma' };
  if (ascii(bytes, 0, 3) === 'ID3') return { demuxer: 'mp3', extension: 'mp3' };
  // an MPEG audio frame header: 11 sync bits, then the version and the layer (01 is layer III, 00 is ADTS AAC)
  if (bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0) {
    const layer = (bytes[1]! >> 1) & 0x03;
    if (layer === 1) return { demuxer: 'mp3', extension: 'mp3' };
    if (layer === 0 && (bytes[1]! & 0xf0) === 0xf0) return { demuxer: 'aac', extension: 'aac' };
  }
  return undefined;
}

/**
 * Whether a GIF has more than one frame (Mastodon's GifReader): its blocks are walked, without
 * decoding anything, until a second image or the end. Anything unreadable is "not animated", and is
 * then left to the image pipeline to accept or refuse.
 */
export function isAnimatedGif(bytes: Buffer): boolean {
  const header = ascii(bytes, 0, 6);
  if (header !== 'GIF87a' && header !== 'GIF89a') return false;
  let at = 10;
  const packed = bytes[at];
  if (packed === undefined) return false;
  at += 3;
  if (packed & 0x80) at += 3 * (1 << ((packed & 0x07) + 1));
  const skipSubBlocks = () => {
    for (;;) {
      const size = bytes[at];
      if (size === undefined) throw new RangeError('truncated');
      at += 1 + size;
      if (size === 0) return;
    }
  };
  let frames = 0;
  try {
    while (frames < 2) {
      const separator = bytes[at++];
      if (separator === 0x2c) {
        frames++;
        const imagePacked = bytes[at + 8];
        if (imagePacked === undefined) return false;
        at += 9;
        if (imagePacked & 0x80) at += 3 * (1 << ((imagePacked & 0x07) + 1));
        at++; // LZW minimum code size
        skipSubBlocks();
      } else if (separator === 0x21) {
        at++; // the extension's label
        skipSubBlocks();
      } else {
        break;
      }
    }
  } catch {
    return frames > 1;
  }
  return frames > 1;
}

export function isGif(bytes: Buffer): boolean {
  const header = ascii(bytes, 0, 6);
  return header === 'GIF87a' || header === 'GIF89a';
}
