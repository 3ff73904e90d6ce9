/**
 * The seeded synthetic scale-test matrix: 5 000 000 distinct (user, item) pairs
 * over 100 000 users and 20 000 items, all values 1. Item popularity p_i ∝ (i+1)^-0.9, user
 * activity weights lognormal(0, 1); pairs are drawn independently from both, duplicates dropped and
 * topped up until the target count, then user and item ids are randomly relabelled so index order
 * is not popularity order. Same shape and skew as the reference generator, not the same stream.
 */
import type { CsrMatrix } from '../../src/linalg/csr.js';
import { Rng } from '../../src/linalg/random.js';

export interface SyntheticOptions {
  users?: number;
  items?: number;
  pairs?: number;
  zipf?: number;
  seed?: number;
}

/** Walker/Vose alias table for O(1) sampling from a discrete distribution. */
function aliasTable(weights: Float64Array): { prob: Float64Array; alias: Int32Array } {
  const n = weights.length;
  let total = 0;
  for (const w of weights) total += w;
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = Float64Array.from(weights, (w) => (w * n) / total);
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < n; i++) (scaled[i] < 1 ? small : large).push(i);
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  for (const i of large) prob[i] = 1;
  for (const i of small) prob[i] = 1;
  return { prob, alias };
}

function sample(rng: Rng, t: { prob: Float64Array; alias: Int32Array }): number {
  const i = rng.nextInt(t.prob.length);
  return rng.nextFloat() < t.prob[i] ? i : t.alias[i];
}

export function generateSynthetic(opts: SyntheticOptions = {}): CsrMatrix {
  const users = opts.users ?? 100_000;
  const items = opts.items ?? 20_000;
  const target = opts.pairs ?? 5_000_000;
  const zipf = opts.zipf ?? 0.9;
  if (users * items >= 2 ** 32) throw new RangeError('generateSynthetic: users × items must fit in 32 bits');
  if (target > users * items * 0.5) throw new RangeError('generateSynthetic: too many pairs for the matrix size');
  const rng = new Rng(opts.seed ?? 42);

  const itemW = Float64Array.from({ length: items }, (_, i) => (i + 1) ** -zipf);
  const userW = Float64Array.from({ length: users }, () => Math.exp(rng.nextNormal()));
  const itemT = aliasTable(itemW);
  const userT = aliasTable(userW);

  // open-addressing set of key + 1 (0 = empty), key = user·items + item < 2³²
  let bits = 1;
  while (1 << bits < target * 2) bits++;
  const size = 1 << bits;
  const table = new Uint32Array(size);
  const keys = new Uint32Array(target);
  let count = 0;
  while (count < target) {
    const u = sample(rng, userT);
    const i = sample(rng, itemT);
    const key = u * items + i;
    let h = Math.imul(key, 0x9e3779b1) >>> (32 - bits);
    for (;;) {
      const slot = table[h];
      if (slot === 0) {
        table[h] = key + 1;
        keys[count++] = key;
        break;
      }
      if (slot === key + 1) break;
      h = (h + 1) & (size - 1);
    }
  }

  // relabel users and items with seeded random permutations
  const userPerm = Int32Array.from({ length: users }, (_, i) => i);
  const itemPerm = Int32Array.from({ length: items }, (_, i) => i);
  rng.shuffle(userPerm);
  rng.shuffle(itemPerm);
  for (let t = 0; t < target; t++) {
    const u = Math.floor(keys[t] / items);
    const i = keys[t] - u * items;
    keys[t] = userPerm[u] * items + itemPerm[i];
  }
  keys.sort();

  const indptr = new Int32Array(users + 1);
  const indices = new Int32Array(target);
  for (let t = 0; t < target; t++) {
    const u = Math.floor(keys[t] / items);
    indptr[u + 1]++;
    indices[t] = keys[t] - u * items;
  }
  for (let u = 0; u < users; u++) indptr[u + 1] += indptr[u];
  return { rows: users, cols: items, indptr, indices, data: new Float32Array(target).fill(1) };
}
