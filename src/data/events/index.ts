export { GroupCommitter } from './group-commit.js';
export { describeEventStore, openEventStore } from './open.js';
export { probeEventStore } from './probe.js';
export { appendEventRows, readTrainingEvents, type StoredTrainingEvents } from './training-rows.js';
export {
  type EventStore,
  EventStoreUnavailableError,
  type NewEvent,
  type RecentEvent,
  type TrainingEvent,
} from './types.js';
