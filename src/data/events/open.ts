/** Opening the store a recipe names (the PostgreSQL driver is loaded only when used). */
import type { EventStoreLocation } from '../../recipe/index.js';
import type { EventStore } from './types.js';

export async function openEventStore(location: EventStoreLocation): Promise<EventStore> {
  if (location.kind === 'sqlite') {
    const { SqliteEventStore } = await import('./sqlite.js');
    return new SqliteEventStore(location.path);
  }
  const { PostgresEventStore } = await import('./postgres.js');
  return new PostgresEventStore(location.url);
}

/** Text naming a store for logs and messages: the file path, or the URL without its query. */
export function describeEventStore(location: EventStoreLocation): string {
  return location.kind === 'sqlite' ? location.path : location.url.split('?', 1)[0];
}
