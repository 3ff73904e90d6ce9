/** `recotem train`: the training pipeline and the pieces other layers reuse. */
export { buildArtifactPayload, buildHeader, RECOTEM_VERSION } from './artifact-content.js';
export { acquireRecipeLock, type HeldLock, type LockOptions, lockPathFor } from './lock.js';
export { runTraining, type TrainingOptions, type TrainingOutcome, utcSeconds } from './pipeline.js';
export { renderTrainingReport, type TrainingReport } from './report.js';
export { type SplitResult, splitInteractions } from './split.js';
