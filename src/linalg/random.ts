/**
 * Seeded pseudo-random numbers for model initialisation, sampling and test data.
 *
 * Generator: xoshiro128** (32-bit state words, so every step is plain int32 arithmetic in V8),
 * seeded through splitmix32 so that nearby seeds give unrelated streams. Bit-compatibility with
 * NumPy's generators is not a goal; determinism for a given seed is.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal = 0;
  private hasSpare = false;

  constructor(seed: number) {
    // splitmix32 expands the seed into four non-zero state words.
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The four state words (to continue the same stream elsewhere, e.g. in a WebAssembly kernel). */
  getState(): Uint32Array {
    return Uint32Array.from([this.s0, this.s1, this.s2, this.s3]);
  }

  setState(state: ArrayLike<number>): void {
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
    this.hasSpare = false;
  }

  /** Uniform unsigned 32-bit integer. */
  nextU32(): number {
    const s1 = this.s1;
    const t = s1 << 9;
    let r = Math.imul(s1, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return r >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n) without modulo bias (n ≤ 2³²). */
  nextInt(n: number): number {
    if (n <= 0) throw new RangeError(`Rng.nextInt: bound must be positive, got ${n}`);
    if (n > 4294967296) return Math.floor(this.nextFloat() * n);
    // Reject the incomplete top block of the 32-bit range so the result is exactly uniform.
    const limit = 4294967296 - (4294967296 % n);
    let v = this.nextU32();
    while (v >= limit) v = this.nextU32();
    return v % n;
  }

  /** Standard normal sample (Box-Muller, polar form; the second value of each pair is cached). */
  nextNormal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    let u: number;
    let v: number;
    let s: number;
    // 32-bit uniforms are plenty for a normal sample and take half the generator steps
    do {
      u = this.nextU32() * 4.656612873077393e-10 - 1;
      v = this.nextU32() * 4.656612873077393e-10 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle(a: { length: number; [i: number]: number }): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}

/** Fill `out` with N(0, std²) samples. */
export function fillNormal(rng: Rng, out: Float32Array | Float64Array, std: number): void {
  for (let i = 0; i < out.length; i++) out[i] = rng.nextNormal() * std;
}
