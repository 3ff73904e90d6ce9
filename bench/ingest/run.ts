/**
 * Ingestion benchmark: recipe → fetched table → cleansed, indexed interactions → CSR matrix, for a
 * seeded 5,000,000-row interaction log (100k users, 20k items, Zipf-like item popularity, shuffled
 * ids) stored as plain CSV, gzip CSV and Parquet. Each format runs in its own process so that the
 * reported peak RSS belongs to that format alone.
 *
 *   npx tsx bench/ingest/run.ts [--rows N] [--keep DIR]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { cleanseAndIndex } from '../../src/data/cleanse.js';
import { fetchSourceTable } from '../../src/data/interactions.js';
import { getSourceRegistry } from '../../src/data/sources/registry.js';
import { csrFromCoo } from '../../src/linalg/csr.js';

const USERS = 100_000;
const ITEMS = 20_000;

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** xorshift32: deterministic and fast. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function shuffled(n: number, rand: () => number): Int32Array {
  const a = Int32Array.from({ length: n }, (_, k) => k);
  for (let k = n - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    const t = a[k];
    a[k] = a[j];
    a[j] = t;
  }
  return a;
}

/** Zipf(s≈1) sampler over ranks by inverse CDF on a precomputed table. */
function zipfSampler(n: number, s: number, rand: () => number): () => number {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let k = 0; k < n; k++) {
    acc += 1 / (k + 1) ** s;
    cdf[k] = acc;
  }
  return () => {
    const x = rand() * acc;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

async function generate(dir: string, rows: number): Promise<{ csv: string; gz: string; parquet: string }> {
  const csv = join(dir, 'interactions.csv');
  const gz = join(dir, 'interactions.csv.gz');
  const parquet = join(dir, 'interactions.parquet');
  const rand = rng(42);
  const userIds = shuffled(USERS, rand);
  const itemIds = shuffled(ITEMS, rand);
  const item = zipfSampler(ITEMS, 1.0, rand);
  const user = zipfSampler(USERS, 0.6, rand);
  const plain = createWriteStream(csv);
  const gzip = createGzip({ level: 6 });
  const gzOut = createWriteStream(gz);
  gzip.pipe(gzOut);
  const header = 'user_id,item_id,timestamp\n';
  plain.write(header);
  gzip.write(header);
  const t0 = 1_600_000_000;
  let batch: string[] = [];
  const flush = async () => {
    const text = `${batch.join('\n')}\n`;
    batch = [];
    const a = plain.write(text);
    const b = gzip.write(text);
    if (!a) await new Promise<void>((r) => plain.once('drain', () => r()));
    if (!b) await new Promise<void>((r) => gzip.once('drain', () => r()));
  };
  for (let k = 0; k < rows; k++) {
    batch.push(`${userIds[user()]},${itemIds[item()]},${t0 + k * 6 + Math.floor(rand() * 6)}`);
    if (batch.length === 50_000) await flush();
  }
  if (batch.length) await flush();
  await Promise.all([
    new Promise<void>((r) => plain.end(() => r())),
    new Promise<void>((r) => {
      gzOut.once('close', () => r());
      gzip.end();
    }),
  ]);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(
    `COPY (SELECT * FROM read_csv('${csv}', header=true, columns={'user_id':'BIGINT','item_id':'BIGINT','timestamp':'BIGINT'})) TO '${parquet}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  conn.closeSync();
  db.closeSync();
  return { csv, gz, parquet };
}

/** One measured run (child process): prints a JSON line. */
async function measure(kind: string, path: string): Promise<void> {
  const registry = await getSourceRegistry();
  const recipe = {
    name: 'bench_ingest',
    source:
      kind === 'parquet'
        ? { type: 'parquet', path, sha256: null }
        : { type: 'csv', path, delimiter: ',', encoding: 'utf-8', header: 0, dtype: null, sha256: null },
    schema: { user_column: 'user_id', item_column: 'item_id', time_column: 'timestamp', time_unit: 's' as const },
    cleansing: { drop_null_ids: true, dedup: 'keep_last' as const, min_rows: null, min_users: null, min_items: null },
  };
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const t0 = performance.now();
  const c0 = cpu();
  const table = await fetchSourceTable(recipe, { runId: 'bench' }, registry);
  const t1 = performance.now();
  const c1 = cpu();
  const interactions = cleanseAndIndex(table, recipe);
  const t2 = performance.now();
  const c2 = cpu();
  const csr = csrFromCoo(
    interactions.userIds.length,
    interactions.itemIds.length,
    interactions.userIndex,
    interactions.itemIndex,
  );
  const t3 = performance.now();
  const c3 = cpu();
  console.log(
    JSON.stringify({
      kind,
      fetch_ms: Math.round(t1 - t0),
      cleanse_ms: Math.round(t2 - t1),
      csr_ms: Math.round(t3 - t2),
      total_ms: Math.round(t3 - t0),
      fetch_cpu_ms: Math.round(c1 - c0),
      cleanse_cpu_ms: Math.round(c2 - c1),
      csr_cpu_ms: Math.round(c3 - c2),
      total_cpu_ms: Math.round(c3 - c0),
      peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
      n_rows: interactions.nRows,
      n_users: interactions.userIds.length,
      n_items: interactions.itemIds.length,
      nnz: csr.indptr[csr.rows],
    }),
  );
}

async function main(): Promise<void> {
  const one = arg('--one');
  if (one) {
    await measure(one, arg('--path') as string);
    return;
  }
  const rows = Number(arg('--rows', '5000000'));
  const keep = arg('--keep');
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'recotem-bench-ingest-'));
  if (keep && !existsSync(dir)) mkdirSync(dir, { recursive: true });
  try {
    let files = {
      csv: join(dir, 'interactions.csv'),
      gz: join(dir, 'interactions.csv.gz'),
      parquet: join(dir, 'interactions.parquet'),
    };
    if (!(keep && existsSync(files.parquet))) {
      const g0 = performance.now();
      files = await generate(dir, rows);
      console.error(`generated ${rows} rows in ${Math.round(performance.now() - g0)} ms`);
    }
    for (const [kind, path] of [
      ['csv', files.csv],
      ['csv.gz', files.gz],
      ['parquet', files.parquet],
    ] as const) {
      const self = fileURLToPath(import.meta.url);
      const res = spawnSync(process.execPath, [...process.execArgv, self, '--one', kind, '--path', path], {
        encoding: 'utf8',
        env: { ...process.env, RECOTEM_LOG_FORMAT: 'json', RECOTEM_MAX_DOWNLOAD_BYTES: String(2 * 1024 ** 3) },
      });
      if (res.status !== 0) throw new Error(`${kind} run failed: ${res.stderr}`);
      const line = res.stdout.trim().split('\n').pop() as string;
      const r = JSON.parse(line);
      console.log(
        `${kind.padEnd(8)} ${String(statSync(path).size).padStart(11)} B  wall: fetch ${r.fetch_ms} + cleanse/index ${r.cleanse_ms} + csr ${r.csr_ms} = ${r.total_ms} ms` +
          `  cpu: ${r.fetch_cpu_ms} + ${r.cleanse_cpu_ms} + ${r.csr_cpu_ms} = ${r.total_cpu_ms} ms  peak RSS ${r.peak_rss_mib} MiB` +
          `  (${r.n_rows} rows, ${r.n_users} users, ${r.n_items} items, nnz ${r.nnz})`,
      );
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
