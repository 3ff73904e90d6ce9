/**
 * Group commit: requests that arrive while a commit is being prepared or running share the next
 * commit (one transaction, one fsync) instead of paying one each. Each submitter gets exactly
 * its own slice of the results, or the commit's error.
 */

interface Pending<T, R> {
  items: readonly T[];
  resolve: (results: R[]) => void;
  reject: (err: unknown) => void;
}

export class GroupCommitter<T, R> {
  private queue: Pending<T, R>[] = [];
  private queued = 0;
  private running: Promise<void> | null = null;
  private scheduled = false;

  constructor(
    private readonly commit: (items: T[]) => Promise<R[]> | R[],
    /** Most items one commit takes; the rest wait for the next one. */
    private readonly maxItems = 20_000,
  ) {}

  submit(items: readonly T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queued += items.length;
      this.schedule();
    });
  }

  /** Resolves when everything submitted so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.running !== null || this.queue.length > 0) {
      if (this.running === null) this.schedule();
      await (this.running ?? new Promise((r) => setImmediate(r)));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running !== null) return;
    this.scheduled = true;
    // Wait one turn of the event loop so that requests parsed in the same turn share the commit.
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.flush().finally(() => {
        this.running = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch: Pending<T, R>[] = [];
    let count = 0;
    while (this.queue.length > 0 && (batch.length === 0 || count + this.queue[0].items.length <= this.maxItems)) {
      const next = this.queue.shift()!;
      batch.push(next);
      count += next.items.length;
    }
    this.queued -= count;
    const items: T[] = [];
    for (const p of batch) for (const item of p.items) items.push(item);
    try {
      const results = await this.commit(items);
      let offset = 0;
      for (const p of batch) {
        p.resolve(results.slice(offset, offset + p.items.length));
        offset += p.items.length;
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
