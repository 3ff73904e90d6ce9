/**
 * The model registry: name → entry, mutated only on the event loop, so
 * every operation is atomic with respect to request handlers. Entry objects are replaced, never
 * mutated (except the `lastLoadError` annotation).
 */
import { getLogger } from '../../log/index.js';
import type { ModelEntry } from './entry.js';

const log = getLogger('recotem.serve.registry');

export interface RegistryListener {
  /** Called after an entry is inserted or replaced (old is undefined for a new name). */
  onReplace?(entry: ModelEntry, old: ModelEntry | undefined): void;
  onRemove?(entry: ModelEntry): void;
  /** A load-error annotation was requested for a name that has no entry. */
  onDivergence?(name: string): void;
}

export class ModelRegistry {
  private readonly entries = new Map<string, ModelEntry>();
  private loadedCounter = 0;
  private readonly listeners: RegistryListener[] = [];

  addListener(listener: RegistryListener): void {
    this.listeners.push(listener);
  }

  get(name: string): ModelEntry | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Snapshot sorted by name (deterministic order for `GET /v1/recipes`). */
  list(): ModelEntry[] {
    return [...this.entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  get size(): number {
    return this.entries.size;
  }

  replace(entry: ModelEntry): void {
    const old = this.entries.get(entry.name);
    if (old?.loaded) this.loadedCounter--;
    if (entry.loaded) this.loadedCounter++;
    this.entries.set(entry.name, entry);
    for (const l of this.listeners) l.onReplace?.(entry, old);
  }

  remove(name: string): ModelEntry | undefined {
    const old = this.entries.get(name);
    if (!old) return undefined;
    if (old.loaded) this.loadedCounter--;
    this.entries.delete(name);
    for (const l of this.listeners) l.onRemove?.(old);
    return old;
  }

  /** Annotate (or clear) the last load error; never changes `loaded`. False if no such entry. */
  setLoadError(name: string, error: string | null): boolean {
    const entry = this.entries.get(name);
    if (!entry) {
      log.warn('set_load_error_no_entry', { name });
      for (const l of this.listeners) l.onDivergence?.(name);
      return false;
    }
    entry.lastLoadError = error;
    return true;
  }

  loadedCount(): number {
    return this.loadedCounter;
  }

  /** One consistent snapshot of (loaded, total) for `/v1/health`. */
  healthCounts(): { loaded: number; total: number } {
    return { loaded: this.loadedCounter, total: this.entries.size };
  }
}
