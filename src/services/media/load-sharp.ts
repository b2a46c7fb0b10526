import type Sharp from 'sharp';
import { lazy } from '../../lib/lazy.ts';

/**
 * sharp, imported by the first image processed rather than by every process that could process one:
 * it loads libvips (a native library with its own threads), which a streaming role or an idle
 * worker never needs. Its operation cache stays off: each upload is a new image, so the cache
 * only held the last ones' pixels (up to 50 MB) in an idle process.
 */
export const loadSharp: () => Promise<typeof Sharp> = lazy(async () => {
  const { default: sharp } = await import('sharp');
  sharp.cache(false);
  return sharp;
});
