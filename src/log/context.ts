/** Per-request (or per-run) fields merged into every record emitted inside a scope. */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogFields } from './record.js';

const storage = new AsyncLocalStorage<LogFields>();

/**
 * Runs `fn` with `fields` merged into every log record emitted inside it, including records from
 * asynchronous continuations. Nested scopes add to (and override) the outer scope's fields.
 */
export function withLogContext<T>(fields: LogFields, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run({ ...outer, ...fields }, fn);
}

/**
 * Adds fields to the current scope (e.g. the authenticated `kid` once auth has run). Outside any
 * `withLogContext` scope this does nothing and returns false.
 */
export function addLogContext(fields: LogFields): boolean {
  const store = storage.getStore();
  if (!store) return false;
  Object.assign(store, fields);
  return true;
}

/** A copy of the current scope's fields (empty outside any scope). */
export function getLogContext(): LogFields {
  return { ...storage.getStore() };
}

export function currentContext(): LogFields | undefined {
  return storage.getStore();
}
