/**
 * When each recipe last changed model while the server was running (a hot swap), and how often.
 * The initial load is not a swap; a reload of the same bytes is not either.
 */
import type { ModelRegistry } from './registry.js';

export interface SwapRecord {
  /** Epoch seconds of the last swap. */
  at: number;
  count: number;
}

export class SwapLog {
  private readonly swaps = new Map<string, SwapRecord>();

  constructor(registry: ModelRegistry, now: () => number = () => Date.now() / 1000) {
    registry.addListener({
      onReplace: (entry, old) => {
        if (!entry.loaded || !old?.loaded || old.sha256 === entry.sha256) return;
        const count = (this.swaps.get(entry.name)?.count ?? 0) + 1;
        this.swaps.set(entry.name, { at: now(), count });
      },
      onRemove: (entry) => {
        this.swaps.delete(entry.name);
      },
    });
  }

  get(name: string): SwapRecord | undefined {
    return this.swaps.get(name);
  }
}
