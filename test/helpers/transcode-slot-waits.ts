import { transcodeSlotWait } from '../../src/services/media/audio-visual-uploads.ts';

/** the values in force when this module loaded */
const ORIGINAL = { ...transcodeSlotWait };

export interface SlotWaits {
  /** how many times a job asked for a transcode slot (it read how long to wait) */
  asked: number;
  /** how many times a job got none in time and went back to the queue (it read the retry delay) */
  requeued: number;
}

/** Puts back the values in force before any {@link observeSlotWaits}. */
export function restoreSlotWaits(): void {
  Object.defineProperties(transcodeSlotWait, { waitMs: { value: ORIGINAL.waitMs, writable: true }, retryDelayMs: { value: ORIGINAL.retryDelayMs, writable: true } });
}

/**
 * Sets how long media jobs wait for a transcode slot and when they are tried again, and counts
 * the jobs that reach the wait and that give up: what a test waits for, instead of a fixed time,
 * before it checks that a job holding no slot has done nothing.
 */
export function observeSlotWaits(values: { waitMs: number; retryDelayMs: number }): SlotWaits {
  const seen: SlotWaits = { asked: 0, requeued: 0 };
  Object.defineProperties(transcodeSlotWait, {
    waitMs: {
      get() {
        seen.asked++;
        return values.waitMs;
      },
      configurable: true,
    },
    retryDelayMs: {
      get() {
        seen.requeued++;
        return values.retryDelayMs;
      },
      configurable: true,
    },
  });
  return seen;
}
