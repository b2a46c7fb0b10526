import type Sharp from 'sharp';

let loading: Promise<typeof Sharp> | undefined;

/**
 * sharp, imported by the first image processed rather than by every process that could process one:
 * it loads libvips (a native library with its own threads), which a streaming role or an idle
 * worker never needs. Its operation cache stays off: each upload is a new image, so the cache
 * only held the last ones' pixels (up to 50 MB) in an idle process.
 */
export function loadSharp(): Promise<typeof Sharp> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false);
    return sharp;
  });
  return loading;
}
