/** What a file's first bytes say it is: its kind and MIME type (a best guess; the processor reading it decides). */
export interface SniffedMedia {
  kind: 'image' | 'video' | 'audio';
  mime: string;
}

const ascii = (bytes: Buffer, start: number, end: number) => bytes.subarray(start, end).toString('latin1');

/** ISO base media files (MP4, QuickTime, AVIF, HEIC, M4A, 3GP) by their `ftyp` brand. */
function isoMedia(brand: string): SniffedMedia {
  if (brand === 'avif' || brand === 'avis') return { kind: 'image', mime: 'image/avif' };
  if (['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return { kind: 'image', mime: 'image/heic' };
  if (brand === 'qt  ') return { kind: 'video', mime: 'video/quicktime' };
  if (brand === 'M4A ' || brand === 'M4B ') return { kind: 'audio', mime: 'audio/mp4' };
  if (brand.startsWith('3g')) return { kind: 'video', mime: 'video/3gpp' };
  return { kind: 'video', mime: 'video/mp4' };
}

/**
 * The type of a downloaded file from its content, never from what the server said (magic numbers,
 * as Marcel does for Mastodon). Undefined for anything that is no image, video or audio.
 */
export function sniffMedia(bytes: Buffer): SniffedMedia | undefined {
  if (bytes.length < 12) return undefined;
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { kind: 'image', mime: 'image/jpeg' };
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { kind: 'image', mime: 'image/png' };
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return { kind: 'image', mime: 'image/gif' };
  if (ascii(bytes, 0, 4) === 'RIFF') {
    const format = ascii(bytes, 8, 12);
    if (format === 'WEBP') return { kind: 'image', mime: 'image/webp' };
    if (format === 'WAVE') return { kind: 'audio', mime: 'audio/wav' };
    return undefined;
  }
  if (ascii(bytes, 4, 8) === 'ftyp') return isoMedia(ascii(bytes, 8, 12));
  if (bytes.readUInt32BE(0) === 0x1a45dfa3) return { kind: 'video', mime: 'video/webm' };
  // Ogg holds audio (Vorbis, Opus) far more often than video (Theora); ffprobe tells them apart
  if (ascii(bytes, 0, 4) === 'OggS') return { kind: 'audio', mime: 'audio/ogg' };
  if (ascii(bytes, 0, 4) === 'fLaC') return { kind: 'audio', mime: 'audio/flac' };
  if (ascii(bytes, 0, 3) === 'ID3') return { kind: 'audio', mime: 'audio/mpeg' };
  // an MPEG audio frame (MP3 without a tag) or ADTS AAC: eleven set sync bits
  if (bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0) return { kind: 'audio', mime: (bytes[1]! & 0x06) === 0 ? 'audio/aac' : 'audio/mpeg' };
  return undefined;
}
