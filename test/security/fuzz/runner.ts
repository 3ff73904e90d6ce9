/**
 * Shared fuzz harness for the test suite (a few hundred cases per target) and `npm run fuzz`
 * (millions). A target checks one input and returns an outcome label; anything it throws is a
 * failure. Runs are split into seeded chunks so long runs report progress and stay reproducible.
 */
import fc from 'fast-check';

/** One checked input: the label it produced (e.g. an error reason) and how long it took. */
export interface CaseResult {
  label: string;
}

export interface FuzzInstance<T> {
  arbitrary: fc.Arbitrary<T>;
  /** Checks one input; throws (with a reason) when the behaviour is outside the specification. */
  check(input: T): CaseResult | Promise<CaseResult>;
  /** Shown with a counterexample (inputs can be large). */
  describe?(input: T): string;
  teardown(): Promise<void> | void;
}

export interface FuzzTarget {
  readonly name: string;
  readonly summary: string;
  // biome-ignore lint/suspicious/noExplicitAny: each target has its own input type
  setup(): Promise<FuzzInstance<any>>;
}

export interface FuzzReport {
  target: string;
  cases: number;
  failures: number;
  durationMs: number;
  /** Outcome label → count. */
  outcomes: Record<string, number>;
  /** Slowest single case. */
  maxCaseMs: number;
  /** First failure: seed, path and message, enough to replay it. */
  counterexample?: string;
  /** True when `stopAfterMs` ended the run before `cases` were checked. */
  stoppedByTime: boolean;
}

export interface RunOptions {
  cases: number;
  seed: number;
  /** Cases per fast-check run (each run gets seed + chunk index). */
  chunk?: number;
  /** A single case slower than this counts as a hang. */
  hangMs?: number;
  /** Wall-time budget, checked between chunks. */
  stopAfterMs?: number;
  onProgress?(report: FuzzReport): void;
}

function timeout(ms: number): { promise: Promise<never>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`case did not finish within ${ms} ms (hang)`)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

export async function runFuzz(target: FuzzTarget, opts: RunOptions): Promise<FuzzReport> {
  const chunk = opts.chunk ?? Math.min(opts.cases, 10_000);
  const hangMs = opts.hangMs ?? 10_000;
  const instance = await target.setup();
  const report: FuzzReport = {
    target: target.name,
    cases: 0,
    failures: 0,
    durationMs: 0,
    outcomes: {},
    maxCaseMs: 0,
    stoppedByTime: false,
  };
  const started = performance.now();
  const record = (label: string, ms: number) => {
    report.outcomes[label] = (report.outcomes[label] ?? 0) + 1;
    if (ms > report.maxCaseMs) report.maxCaseMs = ms;
  };
  const property = fc.asyncProperty(instance.arbitrary, async (input) => {
    const t0 = performance.now();
    const limit = timeout(hangMs);
    let result: CaseResult;
    try {
      result = await Promise.race([Promise.resolve().then(() => instance.check(input)), limit.promise]);
    } finally {
      limit.cancel();
    }
    const ms = performance.now() - t0;
    if (ms > hangMs) throw new Error(`case took ${ms.toFixed(0)} ms (hang)`);
    record(result.label, ms);
  });
  try {
    for (let done = 0, index = 0; done < opts.cases; index++) {
      if (opts.stopAfterMs !== undefined && performance.now() - started >= opts.stopAfterMs) {
        report.stoppedByTime = true;
        break;
      }
      const numRuns = Math.min(chunk, opts.cases - done);
      const seed = (opts.seed + index) | 0;
      const details = await fc.check(property, { numRuns, seed, endOnFailure: true });
      done += details.numRuns;
      report.cases = done;
      report.durationMs = performance.now() - started;
      if (details.failed) {
        report.failures++;
        const shown = details.counterexample?.[0];
        const text = shown === undefined ? '' : (instance.describe?.(shown) ?? fc.stringify(shown).slice(0, 2000));
        report.counterexample = `seed ${seed}, path ${details.counterexamplePath}: ${String(
          details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance,
        )}\ninput: ${text}`;
        break;
      }
      opts.onProgress?.(report);
    }
  } finally {
    await instance.teardown();
  }
  report.durationMs = performance.now() - started;
  return report;
}

/** Byte-level mutations shared by the binary targets. */
export type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'set32'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'append'; bytes: Uint8Array };

/** Positions biased towards the start of a file, where lengths and headers live. */
const position = fc.oneof(fc.nat(256), fc.nat());

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({
    kind: fc.constant('set32' as const),
    at: position,
    value: fc.oneof(
      fc.constantFrom(0, 1, 2, 0x7f, 0xff, 0xffff, 65_536, 65_537, 0x7fffffff, 0x80000000, 0xffffffff),
      fc.nat(),
    ),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);

export function applyMutations(original: Uint8Array, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(original);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : 'at' in m ? m.at % bytes.length : 0;
    switch (m.kind) {
      case 'flip':
        if (bytes.length > 0) bytes[at] ^= m.mask;
        break;
      case 'set32':
        if (bytes.length >= 4) bytes.writeUInt32LE(m.value >>> 0, Math.min(at, bytes.length - 4));
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.count)]);
        break;
      case 'append':
        bytes = Buffer.concat([bytes, m.bytes]);
        break;
    }
  }
  return bytes;
}

/** Describes a thrown value for a failure message. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `non-error thrown: ${String(err)}`;
}
