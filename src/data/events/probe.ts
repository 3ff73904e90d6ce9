/**
 * `recotem validate`'s check of an event store: PostgreSQL answers a query (the table is created
 * if missing, as the server would); an existing SQLite file opens and answers; a SQLite file not
 * created yet only needs a writable directory, so validating never leaves a file behind.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventStoreLocation } from '../../recipe/index.js';
import { describeEventStore, openEventStore } from './open.js';
import { EventStoreUnavailableError } from './types.js';

/** A line saying what was checked; throws EventStoreUnavailableError when the store cannot work. */
export async function probeEventStore(location: EventStoreLocation): Promise<string> {
  const where = describeEventStore(location);
  if (location.kind === 'sqlite' && !existsSync(location.path)) {
    let dir = dirname(location.path);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    try {
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
      accessSync(dir, constants.W_OK);
    } catch {
      throw new EventStoreUnavailableError(`event store '${where}' cannot be created: '${dir}' is not writable`);
    }
    return `Events: store OK (sqlite ${where}, created on first event)`;
  }
  const store = await openEventStore(location);
  try {
    await store.probe();
  } finally {
    await store.close();
  }
  return `Events: store OK (${location.kind} ${where})`;
}
