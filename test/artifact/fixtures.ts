/** Small artifacts and payloads built in memory for the artifact tests. */
import { createHash } from 'node:crypto';
import {
  type ArtifactHeader,
  completeHeader,
  encodePayload,
  type KeyRing,
  type PayloadInput,
  signArtifact,
} from '../../src/artifact/index.js';
import { csrFromCoo } from '../../src/linalg/csr.js';

export function key(kid: string, fill: number): KeyRing[number] {
  const bytes = Buffer.alloc(32, fill);
  return { kid, key: bytes, fingerprint: createHash('sha256').update(bytes).digest('hex').slice(0, 8) };
}

export const RING: KeyRing = [key('k1', 0x11)];

export function samplePayloadInput(): PayloadInput {
  const seen = csrFromCoo(5, 4, [0, 0, 1, 2, 3, 4, 4], [0, 2, 1, 3, 0, 1, 2], [1, 2, 1, 1, 3, 1, 1]);
  const w = csrFromCoo(4, 4, [0, 1, 2, 3], [1, 0, 3, 2], [0.5, 0.25, 0.125, 1]);
  return {
    algorithm: 'IALSRecommender',
    modelFormatVersion: 1,
    params: { alpha0: 0.01, reg: 0.001, loss_type: 'IALSPP', nu: 1, solver_exact: true, epsilon: null },
    userIds: ['u0', 'ユーザー1', 'u2', 'u3', 'u4'],
    itemIds: ['i0', 'i1', 'é2', 'i3'],
    seen,
    arrays: {
      user_factors: { dtype: 'float32', shape: [5, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) },
      item_factors: {
        dtype: 'float64',
        shape: [4, 2],
        data: Float64Array.from([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]),
      },
      'W.indptr': { dtype: 'int32', shape: [5], data: w.indptr },
      'W.indices': { dtype: 'int32', shape: [4], data: w.indices },
      'W.data': { dtype: 'float32', shape: [4], data: w.data },
      flags: { dtype: 'uint8', shape: [3], data: Uint8Array.from([1, 0, 255]) },
      counts: { dtype: 'uint32', shape: [2], data: Uint32Array.from([7, 4_000_000_000]) },
      big: { dtype: 'int64', shape: [2], data: BigInt64Array.from([-5n, 1n << 40n]) },
    },
    matrices: { W: { kind: 'csr', shape: [4, 4], indptr: 'W.indptr', indices: 'W.indices', data: 'W.data' } },
  };
}

export function sampleHeader(overrides: Partial<ArtifactHeader> = {}): ArtifactHeader {
  return completeHeader({
    recipe_name: 'purchase_log',
    recipe_hash: 'a'.repeat(64),
    recotem_version: '0.1.0',
    trained_at: '2024-05-01T12:00:00Z',
    best_class: 'IALSRecommender',
    best_params: { alpha0: 0.01, reg: 0.001 },
    best_score: 0.25,
    metric: 'ndcg',
    cutoff: 10,
    tuning: {
      tried_algorithms: ['IALSRecommender'],
      n_trials: 4,
      n_completed: 4,
      n_orphaned: 0,
      best_trial_number: 2,
      search_seed: 42,
    },
    data_stats: { n_rows: 7, n_users: 5, n_items: 4, drop_count: 0, dedup_policy: 'sum' },
    model_format_version: 1,
    ...overrides,
  });
}

export function sampleArtifact(ring: KeyRing = RING, header: Record<string, unknown> = sampleHeader()): Buffer {
  return signArtifact({ keyRing: ring, header, payload: encodePayload(samplePayloadInput()) });
}

/** A parsed manifest that tests edit freely, including into invalid shapes. */
// biome-ignore lint/suspicious/noExplicitAny: malformed manifests are the point of these tests
export type LooseJson = Record<string, any>;

/** Region boundaries of a container: [name, start, end) in file offsets. */
export function regions(bytes: Buffer): [string, number, number][] {
  const kidLen = bytes[12];
  const hmacStart = 13 + kidLen;
  const headerLenAt = hmacStart + 32;
  const headerLen = bytes.readUInt32LE(headerLenAt);
  const headerStart = headerLenAt + 4;
  const payloadStart = headerStart + headerLen;
  return [
    ['magic', 0, 8],
    ['version', 8, 10],
    ['reserved', 10, 12],
    ['kid_len', 12, 13],
    ['kid', 13, hmacStart],
    ['hmac', hmacStart, headerLenAt],
    ['header_len', headerLenAt, headerStart],
    ['header', headerStart, payloadStart],
    ['payload', payloadStart, bytes.length],
  ];
}

/**
 * An RTPK payload with a hand-written manifest and blob area, for feeding the decoder malformed
 * structures that the encoder would never produce.
 */
export function rawPayload(manifest: unknown, blob: Uint8Array = new Uint8Array(0)): Buffer {
  const text = Buffer.from(typeof manifest === 'string' ? manifest : JSON.stringify(manifest), 'utf8');
  const blobStart = Math.ceil((8 + text.length) / 8) * 8;
  const out = Buffer.alloc(blobStart + blob.length);
  out.write('RTPK', 0, 'ascii');
  out.writeUInt32LE(text.length, 4);
  text.copy(out, 8);
  out.set(blob, blobStart);
  return out;
}

/** Split an encoded payload into its parsed manifest and blob area, for targeted corruption. */
export function splitPayload(payload: Buffer): { manifest: LooseJson; blob: Buffer } {
  const len = payload.readUInt32LE(4);
  const manifest = JSON.parse(payload.subarray(8, 8 + len).toString('utf8'));
  const blobStart = Math.ceil((8 + len) / 8) * 8;
  return { manifest, blob: Buffer.from(payload.subarray(blobStart)) };
}
