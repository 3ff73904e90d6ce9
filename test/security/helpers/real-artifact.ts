/**
 * A real artifact for attack tests: trained in-process by `runTraining` on a small purchase log
 * (RP3beta, so the payload holds ids, the seen matrix and a sparse similarity matrix), signed with
 * a fresh random key that is registered with the suite-wide secrets scan.
 */
import { readFileSync, rmSync } from 'node:fs';
import { type KeyRing, parseContainer } from '../../../src/artifact/index.js';
import { parseSigningKeyRing } from '../../../src/config/index.js';
import { getSourceRegistry } from '../../../src/data/sources/registry.js';
import { captureLogs } from '../../../src/log/index.js';
import { loadRecipe } from '../../../src/recipe/index.js';
import { runTraining } from '../../../src/train/index.js';
import { registerSecret } from '../../helpers/secrets.js';
import { makeTrainWorkspace, type TrainWorkspace } from '../../helpers/train-fixtures.js';

export interface RealArtifact {
  ws: TrainWorkspace;
  bytes: Buffer;
  keyRing: KeyRing;
  /** `kid:hex` of the signing key. */
  signingKeys: string;
  /** Byte offsets of every region of the container. */
  regions: ArtifactRegions;
  cleanup(): void;
}

export interface ArtifactRegions {
  kid: [number, number];
  hmac: [number, number];
  headerLen: [number, number];
  header: [number, number];
  payload: [number, number];
}

export function regionsOf(bytes: Uint8Array): ArtifactRegions {
  const c = parseContainer(bytes);
  const kidEnd = 13 + c.kidBytes.length;
  return {
    kid: [13, kidEnd],
    hmac: [kidEnd, kidEnd + 32],
    headerLen: [kidEnd + 32, kidEnd + 36],
    header: [kidEnd + 36, c.payloadOffset],
    payload: [c.payloadOffset, bytes.length],
  };
}

/** Trains a real artifact; `extraEnv` is merged into the training environment. */
export async function trainRealArtifact(opts: { algorithm?: string; extraEnv?: NodeJS.ProcessEnv } = {}) {
  const ws = makeTrainWorkspace({
    training: `  algorithms: [${opts.algorithm ?? 'RP3beta'}]
  n_trials: 1
  cutoff: 5
  split: {heldout_ratio: 0.25, seed: 1}`,
  });
  const signingKeys = ws.env.RECOTEM_SIGNING_KEYS as string;
  registerSecret(signingKeys.slice(signingKeys.indexOf(':') + 1), 'real artifact signing key');
  Object.assign(ws.env, opts.extraEnv);
  const logs = captureLogs();
  try {
    const registry = await getSourceRegistry();
    const recipe = await loadRecipe(ws.recipePath, { registry, env: ws.env });
    const outcome = await runTraining({ recipe, registry, env: ws.env, quiet: true });
    if (outcome.status !== 'trained') throw new Error('training was skipped');
  } finally {
    logs.stop();
  }
  const bytes = readFileSync(ws.outputPath);
  const artifact: RealArtifact = {
    ws,
    bytes,
    keyRing: parseSigningKeyRing(signingKeys),
    signingKeys,
    regions: regionsOf(bytes),
    cleanup: () => rmSync(ws.dir, { recursive: true, force: true }),
  };
  return artifact;
}
