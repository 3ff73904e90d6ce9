/** Small deterministic matrices and dense reference maths for the algorithm tests. */
import { type CsrMatrix, csrFromCoo } from '../../src/linalg/csr.js';

/** Deterministic uniform [0, 1) stream (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random users × items count matrix with the given density and values in 1..maxCount. */
export function randomCounts(users: number, items: number, density: number, seed: number, maxCount = 1): CsrMatrix {
  const r = rng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (r() < density) {
        rows.push(u);
        cols.push(i);
        vals.push(1 + Math.floor(r() * maxCount));
      }
    }
  }
  return csrFromCoo(users, items, rows, cols, vals);
}

export function toDense(m: CsrMatrix): number[][] {
  const out = Array.from({ length: m.rows }, () => new Array<number>(m.cols).fill(0));
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) out[r][m.indices[p]] += m.data[p];
  }
  return out;
}

/** Keep the k largest non-zero entries of each row (ties → smaller column), others set to 0. */
export function denseRowTopK(S: number[][], k: number): number[][] {
  return S.map((row) => {
    const order = row
      .map((v, j) => [v, j] as const)
      .filter(([v]) => v !== 0)
      .sort((x, y) => y[0] - x[0] || x[1] - y[1])
      .slice(0, k);
    const out = new Array<number>(row.length).fill(0);
    for (const [v, j] of order) out[j] = v;
    return out;
  });
}

export function matmul(A: number[][], B: number[][]): number[][] {
  const n = A.length;
  const m = B[0]?.length ?? 0;
  const out = Array.from({ length: n }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < B.length; k++) {
      const a = A[i][k];
      if (a === 0) continue;
      for (let j = 0; j < m; j++) out[i][j] += a * B[k][j];
    }
  }
  return out;
}

export function transposeDense(A: number[][]): number[][] {
  return A[0] === undefined ? [] : A[0].map((_, j) => A.map((row) => row[j]));
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relTol: number): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const tol = relTol * Math.max(1, Math.abs(e));
    if (!(Math.abs(a - e) <= tol)) throw new Error(`index ${i}: ${a} vs expected ${e}`);
  }
}
