/**
 * Fuzz target: the artifact reader (`parseContainer`, `openArtifact`) on random bytes, mutations
 * of a real trained artifact, and mutated payloads or headers that are validly re-signed (so the
 * decoder is the only defence). Allowed: success, or an ArtifactError with a reader reason; a
 * mutated artifact that was not re-signed must never verify unless its bytes are unchanged.
 */
import fc from 'fast-check';
import { MODEL_FORMATS } from '../../../src/algorithms/registry.js';
import { type KeyRing, openArtifact, parseContainer, signArtifact } from '../../../src/artifact/index.js';
import { ArtifactError } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import { trainRealArtifact } from '../helpers/real-artifact.js';
import { applyMutations, describeError, type FuzzTarget, mutationArbitrary } from './runner.js';

const READER_REASONS = new Set(['parse', 'hmac', 'header_json', 'version_skew', 'deserialize']);

interface ArtifactInput {
  kind: 'random' | 'prefixed' | 'mutated' | 'resigned-payload' | 'resigned-header';
  bytes: Buffer;
  /** True when the bytes carry a valid MAC made by the test (so verification may succeed). */
  signed: boolean;
}

function readerOutcome(run: () => unknown, where: string): string {
  try {
    run();
    return 'ok';
  } catch (err) {
    if (err instanceof ArtifactError && READER_REASONS.has(err.reason)) return err.reason;
    throw new Error(`${where} threw outside the specification: ${describeError(err)}`);
  }
}

export const artifactTarget: FuzzTarget = {
  name: 'artifact',
  summary: 'parseContainer + openArtifact (verified and dev-unverified) on random and mutated artifacts',
  async setup() {
    const art = await trainRealArtifact();
    const original = art.bytes;
    const keyRing: KeyRing = art.keyRing;
    const container = parseContainer(original);
    const header = Buffer.from(container.headerBytes);
    const payload = Buffer.from(container.payload);
    const prefix = original.subarray(0, art.regions.hmac[1]);
    const headerObject = JSON.parse(header.toString('utf8')) as Record<string, unknown>;
    const headerKeys = Object.keys(headerObject);
    // HMAC failures log a warning per case; keep them out of the output (cleared every case).
    const logs = captureLogs();

    const mutations = fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 });
    const arbitrary: fc.Arbitrary<ArtifactInput> = fc.oneof(
      {
        weight: 1,
        arbitrary: fc
          .uint8Array({ maxLength: 256 })
          .map((b) => ({ kind: 'random', bytes: Buffer.from(b), signed: false }) as const),
      },
      {
        weight: 1,
        arbitrary: fc
          .uint8Array({ maxLength: 512 })
          .map((b) => ({ kind: 'prefixed', bytes: Buffer.concat([prefix, b]), signed: false }) as const),
      },
      {
        weight: 4,
        arbitrary: mutations.map(
          (ms) => ({ kind: 'mutated', bytes: applyMutations(original, ms), signed: false }) as const,
        ),
      },
      {
        weight: 3,
        arbitrary: mutations.map(
          (ms) =>
            ({
              kind: 'resigned-payload',
              bytes: signArtifact({ keyRing, header, payload: applyMutations(payload, ms) }),
              signed: true,
            }) as const,
        ),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom(...headerKeys, 'extra'), fc.jsonValue({ maxDepth: 3 }))
          .map(([key, value]) => {
            const json = Buffer.from(JSON.stringify({ ...headerObject, [key]: value }));
            return {
              kind: 'resigned-header',
              bytes: signArtifact({ keyRing, header: json, payload }),
              signed: true,
            } as const;
          }),
      },
    );

    return {
      arbitrary,
      check(input: ArtifactInput) {
        logs.clear();
        const parsed = readerOutcome(() => parseContainer(input.bytes), 'parseContainer');
        if (parsed !== 'ok' && parsed !== 'parse') throw new Error(`parseContainer failed with reason ${parsed}`);
        const verified = readerOutcome(
          () => openArtifact(input.bytes, { models: MODEL_FORMATS, keyRing }),
          'openArtifact',
        );
        if (verified === 'ok' && !input.signed && !input.bytes.equals(original)) {
          throw new Error('a modified artifact passed HMAC verification');
        }
        readerOutcome(
          () => openArtifact(input.bytes, { models: MODEL_FORMATS, devUnverified: true }),
          'openArtifact(devUnverified)',
        );
        return { label: `${input.kind}:${verified}` };
      },
      describe: (input: ArtifactInput) =>
        `${input.kind} ${input.bytes.length} bytes: ${input.bytes.subarray(0, 160).toString('hex')}`,
      teardown() {
        logs.stop();
        art.cleanup();
      },
    };
  },
};
