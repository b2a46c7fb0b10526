import { MEDIA_LIMITS } from '../../lib/instance-limits.ts';
import { loadSharp } from '../media/load-sharp.ts';

/** Mastodon's CustomEmoji::LOCAL_LIMIT (MAX_EMOJI_SIZE's default): an emoji's image must be smaller than 256 KB. */
export const EMOJI_SIZE_LIMIT = 256 * 1024;

/** Mastodon's CustomEmoji::SHORTCODE_ONLY_RE: two or more ASCII letters, digits or underscores. */
export const SHORTCODE_PATTERN = /^[a-zA-Z0-9_]{2,}$/;

/** Mastodon's CustomEmoji::IMAGE_MIME_TYPES, by the format sharp reads from the bytes. */
const FORMATS: Record<string, { contentType: string; extension: string }> = {
  png: { contentType: 'image/png', extension: 'png' },
  gif: { contentType: 'image/gif', extension: 'gif' },
  webp: { contentType: 'image/webp', extension: 'webp' },
};

/** Why an emoji cannot be stored (its shortcode or its image), in words for the admin. */
export class InvalidEmojiError extends Error {}

export interface EmojiImage {
  /** the file as given: Mastodon keeps an emoji's original untouched (animation included) */
  original: Buffer;
  contentType: string;
  extension: string;
  /** its first frame as a PNG, the `static` style clients show when animations are off */
  staticPng: Buffer;
}

const kilobytes = (bytes: number) => `${Math.ceil(bytes / 1024)} KB`;

export function checkEmojiSize(size: number): void {
  if (size >= EMOJI_SIZE_LIMIT) throw new InvalidEmojiError(`the image is ${kilobytes(size)}; it must be less than ${kilobytes(EMOJI_SIZE_LIMIT)}`);
}

/**
 * Reads an emoji image as Mastodon's Paperclip does for CustomEmoji: the type from the content (PNG,
 * GIF or WebP, whatever the file is called), under the size limit, and a static PNG of its first
 * frame. A truncated file, another type or too many pixels is an InvalidEmojiError.
 */
export async function readEmojiImage(bytes: Buffer): Promise<EmojiImage> {
  checkEmojiSize(bytes.length);
  const options = { limitInputPixels: MEDIA_LIMITS.image_matrix_limit, failOn: 'truncated' as const };
  const sharp = await loadSharp();
  let format: string | undefined;
  try {
    format = (await sharp(bytes, options).metadata()).format;
  } catch {
    throw new InvalidEmojiError('not an image this server can read');
  }
  const type = format ? FORMATS[format] : undefined;
  if (!type) throw new InvalidEmojiError(`a ${format ?? 'file of unknown type'}; emoji must be PNG, GIF or WebP images`);
  let staticPng: Buffer;
  try {
    // sharp reads the first page (frame) unless told otherwise
    staticPng = await sharp(bytes, options).png().toBuffer();
  } catch (error) {
    throw new InvalidEmojiError(`the image cannot be read (${error instanceof Error ? error.message.split('\n')[0] : 'corrupt'})`);
  }
  return { original: bytes, contentType: type.contentType, extension: type.extension, staticPng };
}

export function checkShortcode(shortcode: string): void {
  if (!SHORTCODE_PATTERN.test(shortcode)) throw new InvalidEmojiError(`"${shortcode}" is not a valid shortcode: it takes two or more letters (a-z, A-Z), digits or underscores`);
}
