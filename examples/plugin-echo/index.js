/**
 * The `echo` data source: a deterministic synthetic interaction table, useful as a fixture and as
 * the smallest complete example of the Recotem plugin contract (see README.md).
 */
import { z } from 'zod';

/**
 * Errors carrying `code: 'datasource_error'` are reported by Recotem as data-source failures
 * (exit code 3) without this package having to import Recotem itself.
 */
export class EchoSourceError extends Error {
  constructor(message) {
    super(message);
    this.name = 'EchoSourceError';
    this.code = 'datasource_error';
  }
}

/** Unknown keys are dropped and `type` is tolerated: the loader passes the whole `source` mapping. */
export const echoConfigSchema = z.object({
  type: z.literal('echo').optional(),
  n_users: z.coerce.number().int().min(1).default(10),
  n_items: z.coerce.number().int().min(1).default(20),
  n_rows: z.coerce.number().int().min(1).default(100),
  seed: z.coerce.number().int().default(42),
});

/** Small seeded generator (mulberry32): the same seed always yields the same table. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkSize(config) {
  const pairs = config.n_users * config.n_items;
  if (config.n_rows > pairs) {
    throw new EchoSourceError(
      `echo source cannot draw n_rows=${config.n_rows} distinct pairs from n_users=${config.n_users} x n_items=${config.n_items} (${pairs} pairs)`,
    );
  }
}

/**
 * Draws `n_rows` distinct pair indices (pair p = user p / n_items, item p % n_items: users are the
 * outer loop) with a partial Fisher–Yates shuffle over a sparse map, so the memory used follows
 * `n_rows`, not `n_users * n_items`.
 */
function samplePairs(config) {
  const total = config.n_users * config.n_items;
  const random = seededRandom(config.seed);
  const swapped = new Map();
  const picked = new Array(config.n_rows);
  for (let r = 0; r < config.n_rows; r++) {
    const j = r + Math.floor(random() * (total - r));
    const atJ = swapped.has(j) ? swapped.get(j) : j;
    const atR = swapped.has(r) ? swapped.get(r) : r;
    swapped.set(j, atR);
    picked[r] = atJ;
  }
  return picked;
}

class EchoSource {
  constructor(config) {
    this.config = config;
  }

  async probe() {
    checkSize(this.config);
  }

  async fetch(_ctx) {
    checkSize(this.config);
    const pairs = samplePairs(this.config);
    const userIds = new Array(pairs.length);
    const itemIds = new Array(pairs.length);
    const timestamps = new Array(pairs.length);
    for (let r = 0; r < pairs.length; r++) {
      userIds[r] = `user_${Math.floor(pairs[r] / this.config.n_items)}`;
      itemIds[r] = `item_${pairs[r] % this.config.n_items}`;
      timestamps[r] = 1_700_000_000 + r;
    }
    // Plain columns: Recotem turns them into its table type.
    return { columns: { user_id: userIds, item_id: itemIds, timestamp: timestamps } };
  }
}

export const echoPlugin = {
  typeName: 'echo',
  configSchema: echoConfigSchema,
  extrasRequired: [],
  noExpandFields: new Set(),
  create(config) {
    return new EchoSource(config);
  },
};
