/** Small interaction logs and recipes for end-to-end training tests. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A purchase log with structure: users belong to one of `groups` taste groups and mostly buy items
 * of their group, so personalised models beat popularity.
 */
export function makePurchaseCsv(
  opts: { users?: number; items?: number; perUser?: number; groups?: number; seed?: number } = {},
): string {
  const users = opts.users ?? 60;
  const items = opts.items ?? 40;
  const perUser = opts.perUser ?? 12;
  const groups = opts.groups ?? 4;
  let s = opts.seed ?? 7;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const lines = ['user_id,item_id,timestamp'];
  for (let u = 0; u < users; u++) {
    const g = u % groups;
    const seen = new Set<number>();
    for (let k = 0; k < perUser; k++) {
      const inGroup = rand() < 0.85;
      const base = inGroup ? g : Math.floor(rand() * groups);
      const item = (base + groups * Math.floor(rand() * (items / groups))) % items;
      if (seen.has(item)) continue;
      seen.add(item);
      lines.push(`u${u},i${item},${1_700_000_000 + u * 100 + k}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface TrainWorkspace {
  dir: string;
  csv: string;
  recipePath: string;
  outputPath: string;
  env: NodeJS.ProcessEnv;
}

/** A temp dir with a CSV, a recipe using it and a signing key in `env`. */
export function makeTrainWorkspace(
  opts: { training?: string; output?: string; csv?: string; name?: string; extra?: string } = {},
): TrainWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'recotem-train-'));
  const csv = join(dir, 'purchases.csv');
  writeFileSync(csv, opts.csv ?? makePurchaseCsv());
  const outputPath = join(dir, 'out', 'model.recotem');
  const recipePath = join(dir, 'recipe.yaml');
  writeFileSync(
    recipePath,
    `name: ${opts.name ?? 'shop'}
source:
  type: csv
  path: ${csv}
  dtype: {user_id: str, item_id: str}
schema:
  user_column: user_id
  item_column: item_id
  time_column: timestamp
  time_unit: s
training:
${
  opts.training ??
  `  algorithms: [TopPop]
  n_trials: 1
  cutoff: 5
  split: {heldout_ratio: 0.25, seed: 1}`
}
output:
${
  opts.output ??
  `  path: ${outputPath}
  versioning: always_overwrite`
}
${opts.extra ?? ''}`,
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RECOTEM_SIGNING_KEYS: `test-key:${randomBytes(32).toString('hex')}`,
    RECOTEM_LOG_FORMAT: 'json',
  };
  return { dir, csv, recipePath, outputPath, env };
}
