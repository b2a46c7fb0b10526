import { parentPort, workerData } from 'node:worker_threads';
import decode from 'heic-decode';

/**
 * Runs in a worker thread (heic.ts): decodes the first image of a HEIC file with libheif's
 * WebAssembly build, which holds its thread for seconds on a phone's photo and keeps the memory it
 * grew; the thread ends with the decode, giving both back. Answers one message: the pixels (RGBA),
 * `too-large` (its container's size over `maxPixels`, nothing decoded), or `invalid`.
 */
const { bytes, maxPixels } = workerData as { bytes: Uint8Array; maxPixels: number };

async function run() {
  const images = await decode.all({ buffer: bytes }).catch(() => undefined);
  if (!images) return { kind: 'invalid' as const };
  try {
    const first = images[0];
    if (!first?.width || !first.height) return { kind: 'invalid' as const };
    if (first.width * first.height > maxPixels) return { kind: 'too-large' as const };
    const image = await first.decode().catch(() => undefined);
    return image ? { kind: 'decoded' as const, width: image.width, height: image.height, data: image.data } : { kind: 'invalid' as const };
  } finally {
    images.dispose();
  }
}

const result = await run();
parentPort!.postMessage(result, result.kind === 'decoded' ? [result.data.buffer as ArrayBuffer] : []);
