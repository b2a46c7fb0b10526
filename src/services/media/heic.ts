import { Worker } from 'node:worker_threads';

export type HeicDecoded = { kind: 'decoded'; width: number; height: number; data: Uint8ClampedArray } | { kind: 'too-large' } | { kind: 'invalid' };

/** A decode that takes longer than this is given up (the file is refused). */
const DECODE_TIMEOUT_MS = 120_000;

/**
 * The first image of a HEIC file as RGBA pixels, decoded in a worker thread of its own (see
 * heic-decode-worker.ts) so that the process's event loop keeps answering meanwhile; its size is
 * checked against `maxPixels` before anything is decoded.
 */
export function decodeHeic(bytes: Buffer, maxPixels: number): Promise<HeicDecoded> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./heic-decode-worker.ts', import.meta.url), { workerData: { bytes: new Uint8Array(bytes), maxPixels }, stdout: true, stderr: true });
    // libheif's own complaints (console.log in the thread) are dropped: the outcome says what matters
    worker.stdout.resume();
    worker.stderr.resume();
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      void worker.terminate();
      resolve({ kind: 'invalid' });
    }, DECODE_TIMEOUT_MS);
    worker.once('message', (message: HeicDecoded) => {
      answered = true;
      clearTimeout(timer);
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      if (!answered) reject(error);
    });
    worker.once('exit', () => {
      clearTimeout(timer);
      if (!answered) resolve({ kind: 'invalid' });
    });
  });
}
