import { encode } from 'blurhash';
import type sharp from 'sharp';
import { validationFailed } from '../../lib/errors.ts';
import { MEDIA_LIMITS } from '../../lib/instance-limits.ts';
import { loadSharp } from './load-sharp.ts';
import { heifKind } from './sniff.ts';

type Metadata = Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;

/** Mastodon's bounds: the original is kept within 3840×2160 worth of pixels, the preview within 640×640. */
const ORIGINAL_PIXELS = 8_294_400;
const SMALL_PIXELS = 409_600;
/** Mastodon's blurhash: 4×4 components of the small image. */
const BLURHASH_COMPONENTS = 4;
/** The side, in pixels, of the image a blurhash is computed from. */
const BLURHASH_SAMPLE = 64;

type OutputFormat = 'jpeg' | 'png' | 'webp';

/** What the content is, read by sharp from the bytes themselves, and what it is stored as (only types the instance advertises are taken). */
const ACCEPTED: Record<string, { mime: string; output: OutputFormat }> = {
  jpeg: { mime: 'image/jpeg', output: 'jpeg' },
  png: { mime: 'image/png', output: 'png' },
  webp: { mime: 'image/webp', output: 'webp' },
  // a static GIF is stored as a PNG (animated ones become video: media/audio-visual-uploads.ts)
  gif: { mime: 'image/gif', output: 'png' },
  // AVIF (HEIF with AV1) and HEIC (HEIF with HEVC, which sharp's build cannot decode: libheif's WASM build does). Stored as JPEG, as Mastodon converts them.
  avif: { mime: 'image/avif', output: 'jpeg' },
  heic: { mime: 'image/heic', output: 'jpeg' },
};

const OUTPUT_MIME: Record<OutputFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
const OUTPUT_EXTENSION: Record<OutputFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

export interface StyleMeta {
  width: number;
  height: number;
  size: string;
  aspect: number;
}

/** Mastodon's `meta` entry of one style (`original`, `small`). */
export const styleMeta = (width: number, height: number): StyleMeta => ({ width, height, size: `${width}x${height}`, aspect: width / height });

export interface ImageStyle {
  bytes: Buffer;
  width: number;
  height: number;
}

export interface ProcessedImage {
  contentType: string;
  extension: string;
  original: ImageStyle;
  small: ImageStyle;
  /** null when not asked for (a remote file whose server sent one) */
  blurhash: string | null;
}

/** Paperclip's refusal of a file that is no type the instance takes. */
export const invalidType = () => validationFailed(['File content type is invalid']);

/** Width and height scaled down (never up) to hold at most `pixels`, keeping the aspect ratio. */
function bounded(width: number, height: number, pixels: number): { width: number; height: number } {
  if (width * height <= pixels) return { width, height };
  const scale = Math.sqrt(pixels / (width * height));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

function formatOf(metadata: Metadata): string | undefined {
  if (metadata.format === 'heif') return metadata.compression === 'av1' ? 'avif' : undefined;
  return metadata.format;
}

/** An upload read and checked: what it is, its upright size, and its pixels, upright, as a sharp pipeline to start from. */
interface ImageSource {
  accepted: { mime: string; output: OutputFormat };
  width: number;
  height: number;
  open: () => ReturnType<typeof sharp>;
}

/** One style, from the upload itself: upright (its EXIF orientation applied), resized, without any metadata. */
async function render(source: ImageSource, size: { width: number; height: number }, format: OutputFormat): Promise<ImageStyle> {
  // sharp writes no metadata unless asked (no EXIF, no GPS, no XMP); a truncated or corrupt file fails here
  const { data, info } = await source
    .open()
    .resize(size.width, size.height, { fit: 'fill' })
    .toFormat(format, format === 'jpeg' ? { quality: 90, mozjpeg: true } : {})
    .toBuffer({ resolveWithObject: true });
  return { bytes: data, width: info.width, height: info.height };
}

/** Mastodon's blurhash of a preview image (4×4 components). */
export async function blurhashOf(image: Buffer): Promise<string> {
  // 4×4 components need few pixels: encoding a whole 640×640 preview holds the event loop for seconds
  const sharp = await loadSharp();
  const { data, info } = await sharp(image).resize(BLURHASH_SAMPLE, BLURHASH_SAMPLE, { fit: 'inside', withoutEnlargement: true }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return encode(new Uint8ClampedArray(data), info.width, info.height, BLURHASH_COMPONENTS, BLURHASH_COMPONENTS);
}

/**
 * Reads an uploaded image as Mastodon's Paperclip pipeline does: the type comes from the content
 * (never the name or the Content-Type), the EXIF orientation is applied and then every metadata
 * block dropped, the original bounded to 8,294,400 pixels (or `originalPixels`: a preview card's
 * image keeps 230,400) and a `small` preview to 409,600. Files
 * over the pixel limit (decompression bombs), truncated or of another type are refused with 422.
 */
export async function processImage(bytes: Buffer, options: { originalPixels?: number; blurhash?: boolean } = {}): Promise<ProcessedImage> {
  if (bytes.length > MEDIA_LIMITS.image_size_limit) throw validationFailed(['File file size must be less than 16 MB']);
  const source = heifKind(bytes) === 'heic' ? await heicSource(bytes) : await sharpSource(bytes);
  const { accepted, width, height } = source;
  let original: ImageStyle;
  let small: ImageStyle;
  try {
    original = await render(source, bounded(width, height, options.originalPixels ?? ORIGINAL_PIXELS), accepted.output);
    small = await render(source, bounded(width, height, SMALL_PIXELS), accepted.output);
  } catch {
    throw invalidType();
  }
  return {
    contentType: OUTPUT_MIME[accepted.output],
    extension: OUTPUT_EXTENSION[accepted.output],
    original,
    small,
    blurhash: options.blurhash === false ? null : await blurhashOf(small.bytes),
  };
}

const tooLarge = () => validationFailed(['File dimensions are too large']);

/** An upload sharp reads itself: the type from its content, checked against what the instance takes, and its EXIF orientation applied. */
async function sharpSource(bytes: Buffer): Promise<ImageSource> {
  const sharp = await loadSharp();
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: MEDIA_LIMITS.image_matrix_limit }).metadata();
  } catch {
    throw invalidType();
  }
  const accepted = ACCEPTED[formatOf(metadata) ?? ''];
  if (!accepted || !MEDIA_LIMITS.supported_mime_types.includes(accepted.mime) || !metadata.width || !metadata.height) throw invalidType();
  if (metadata.width * metadata.height > MEDIA_LIMITS.image_matrix_limit) throw tooLarge();
  // an animated WebP keeps its first frame, as in Mastodon (only GIFs become video; uploadMedia sends animated ones to ffmpeg)
  if ((metadata.pages ?? 1) > 1 && metadata.format === 'gif') throw validationFailed(['File animated images are not supported yet']);
  const { width, height } = metadata.autoOrient ?? metadata;
  return { accepted, width, height, open: () => sharp(bytes, { limitInputPixels: MEDIA_LIMITS.image_matrix_limit, failOn: 'truncated' }).rotate() };
}

/**
 * A HEIC upload (phones' photos), decoded by libheif (heic-decode, WebAssembly, in a worker thread):
 * its first image's size is read from the container and checked before anything is decoded (a bomb
 * is refused without its pixels ever being made), then decoded upright (libheif applies the
 * container's rotation and mirroring), its metadata left behind, and handed to sharp as pixels.
 */
async function heicSource(bytes: Buffer): Promise<ImageSource> {
  const accepted = ACCEPTED.heic!;
  if (!MEDIA_LIMITS.supported_mime_types.includes(accepted.mime)) throw invalidType();
  const { decodeHeic } = await import('./heic.ts');
  const decoded = await decodeHeic(bytes, MEDIA_LIMITS.image_matrix_limit);
  if (decoded.kind === 'too-large') throw tooLarge();
  if (decoded.kind !== 'decoded') throw invalidType();
  const { width, height, data } = decoded;
  const pixels = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const sharp = await loadSharp();
  return { accepted, width, height, open: () => sharp(pixels, { raw: { width, height, channels: 4 } }).flatten({ background: '#ffffff' }) };
}
