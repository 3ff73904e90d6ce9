/**
 * A full garbage collection between trials. A trial's large arrays (a similarity matrix of an
 * item-item model can take 60 MB) live outside the JavaScript heap, and V8 schedules collections by
 * the pressure on its own heap, which stays small during a search: dead matrices of earlier trials
 * would pile up and the next trial's peak would sit on top of them. One collection when much
 * external memory is live keeps the search's peak at about one trial's worth.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Growth of live ArrayBuffer bytes since the last collection above which a finished trial triggers
 * one (growth, not the total: the kernel heap alone can hold hundreds of megabytes for good).
 */
const COLLECT_GROWTH_BYTES = 32 * 1024 * 1024;

let afterLastCollection = 0;

let collect: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as unknown;
      collect = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/** A full collection now (before the search: what loading and splitting the data left behind). */
export function collectGarbage(): void {
  collector()?.();
  afterLastCollection = process.memoryUsage().arrayBuffers;
}

/** Collect garbage when a finished trial left much external memory behind. */
export function collectAfterTrial(): void {
  if (process.memoryUsage().arrayBuffers - afterLastCollection < COLLECT_GROWTH_BYTES) return;
  collectGarbage();
}
