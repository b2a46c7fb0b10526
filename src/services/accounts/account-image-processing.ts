import type { JpegOptions, Metadata, OutputOptions } from 'sharp';
import { validationFailed } from '../../lib/errors.ts';

export type AccountImageKind = 'avatar' | 'header';

import { ACCOUNT_IMAGE_LIMITS } from '../../lib/instance-limits.ts';
import { loadSharp } from '../media/load-sharp.ts';
export { ACCOUNT_IMAGE_LIMITS };

type Format = 'jpeg' | 'png' | 'gif' | 'webp';

const TYPES: Record<Format, { mime: string; extension: string }> = {
  jpeg: { mime: 'image/jpeg', extension: 'jpg' },
  png: { mime: 'image/png', extension: 'png' },
  gif: { mime: 'image/gif', extension: 'gif' },
  webp: { mime: 'image/webp', extension: 'webp' },
};

const isFormat = (format: string | undefined): format is Format => !!format && Object.hasOwn(TYPES, format);

export interface ProcessedAccountImage {
  contentType: string;
  extension: string;
  width: number;
  height: number;
  original: Buffer;
  /** a GIF's first frame as a PNG, of the same size (Mastodon's `static` style) */
  static: Buffer | null;
}

const humanName = (kind: AccountImageKind) => (kind === 'avatar' ? 'Avatar' : 'Header');

/** Paperclip's content type refusal, on the attachment's `_content_type` and on the attachment itself. */
function invalidType(kind: AccountImageKind) {
  const name = humanName(kind);
  const error = { error: 'ERR_INVALID', description: 'is invalid' };
  return validationFailed([`${name} content type is invalid`, `${name} is invalid`], { [`${kind}_content_type`]: [error], [kind]: [error] });
}

function tooLarge(kind: AccountImageKind) {
  const name = humanName(kind);
  const description = `must be less than ${ACCOUNT_IMAGE_LIMITS.fileSize / 1024 / 1024} MB`;
  const error = { error: 'ERR_LESS_THAN', description };
  return validationFailed([`${name} file size ${description}`, `${name} ${description}`], { [`${kind}_file_size`]: [error], [kind]: [error] });
}

/** Mastodon::DimensionsValidationError, which UpdateAccountService reports on the attachment. */
function unsupported(kind: AccountImageKind, description: string) {
  return validationFailed([`${humanName(kind)} ${description}`], { [kind]: [{ error: 'ERR_INVALID', description }] });
}

/** Paperclip's `pixels:` geometry: the size holding about `pixels` at the same aspect ratio, never larger than the image. */
function withinPixels(width: number, height: number, pixels: number): { width: number; height: number } {
  if (width * height <= pixels) return { width, height };
  return {
    width: Math.max(1, Math.round(Math.sqrt((pixels * width) / height))),
    height: Math.max(1, Math.round(Math.sqrt((pixels * height) / width))),
  };
}

interface Inspected {
  format: Format;
  /** upright, one frame */
  width: number;
  height: number;
  frames: number;
}

/** The type from the content itself (never the name or the Content-Type sent), and Attachmentable's dimension checks. */
async function inspect(kind: AccountImageKind, bytes: Buffer): Promise<Inspected> {
  let metadata: Metadata;
  try {
    // reading the header decodes no pixels: a pixel bomb is measured here, then refused below
    metadata = await (await loadSharp())(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw invalidType(kind);
  }
  const format = metadata.format;
  if (!isFormat(format)) throw invalidType(kind);
  const { width, height } = metadata.autoOrient ?? metadata;
  if (!width || !height) throw invalidType(kind);
  const frames = format === 'gif' ? (metadata.pages ?? 1) : 1;
  if (format === 'gif' && width * height > ACCOUNT_IMAGE_LIMITS.gifMatrixLimit) throw unsupported(kind, `${width}x${height} GIF files are not supported`);
  if (width * height > ACCOUNT_IMAGE_LIMITS.matrixLimit) throw unsupported(kind, `${width}x${height} images are not supported`);
  // every frame is decoded and encoded within the request: their pixels together are bounded as one image's
  if (width * height * frames > ACCOUNT_IMAGE_LIMITS.matrixLimit) throw unsupported(kind, `${width}x${height} GIF files of ${frames} frames are not supported`);
  return { format, width, height, frames };
}

/** The size an image is stored at: an avatar a centred square (a GIF's never enlarged), a header within its pixel bound. */
function targetSize(kind: AccountImageKind, image: Inspected): { width: number; height: number } {
  if (kind === 'header') return withinPixels(image.width, image.height, ACCOUNT_IMAGE_LIMITS.headerPixels);
  const side = image.format === 'gif' ? Math.min(ACCOUNT_IMAGE_LIMITS.avatarSide, image.width, image.height) : ACCOUNT_IMAGE_LIMITS.avatarSide;
  return { width: side, height: side };
}

const OUTPUT_OPTIONS: Record<Format, OutputOptions | JpegOptions> = {
  jpeg: { quality: 90, mozjpeg: true },
  png: {},
  gif: {},
  webp: {},
};

async function render(bytes: Buffer, size: { width: number; height: number }, format: Format, options: { animated: boolean; pixels: number }): Promise<Buffer> {
  // sharp writes no metadata unless asked: EXIF (and its GPS), XMP and ICC profiles are dropped once the orientation is applied
  const sharp = await loadSharp();
  return sharp(bytes, { animated: options.animated, limitInputPixels: options.pixels, failOn: 'truncated' })
    .rotate()
    .resize(size.width, size.height, { fit: 'cover', position: 'centre' })
    .toFormat(format, OUTPUT_OPTIONS[format])
    .toBuffer();
}

/**
 * An uploaded avatar or header processed as Mastodon's Paperclip styles do: the type read from the
 * content, the EXIF orientation applied and every metadata block dropped, the avatar cropped to
 * 400×400 and the header scaled down within 750,000 pixels, each kept in its format. A GIF keeps
 * its animation (and a still first frame as PNG). Anything else, too large or unreadable, is a 422
 * with Mastodon's messages.
 */
export async function processAccountImage(kind: AccountImageKind, bytes: Buffer): Promise<ProcessedAccountImage> {
  if (bytes.length >= ACCOUNT_IMAGE_LIMITS.fileSize) throw tooLarge(kind);
  const image = await inspect(kind, bytes);
  const size = targetSize(kind, image);
  const animated = image.format === 'gif';
  const pixels = image.width * image.height * image.frames;
  try {
    const [original, still] = await Promise.all([
      render(bytes, size, image.format, { animated, pixels }),
      animated ? render(bytes, size, 'png', { animated: false, pixels: image.width * image.height }) : null,
    ]);
    return { contentType: TYPES[image.format].mime, extension: TYPES[image.format].extension, width: size.width, height: size.height, original, static: still };
  } catch {
    // truncated or corrupt past its header
    throw invalidType(kind);
  }
}
