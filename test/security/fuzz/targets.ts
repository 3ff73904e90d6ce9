/** Every fuzz target, by name (`npm run fuzz -- --target <name>`). */
import { artifactTarget } from './artifact-target.js';
import { httpTarget } from './http-target.js';
import { recipeTarget } from './recipe-target.js';
import type { FuzzTarget } from './runner.js';
import { csvTarget, parquetTarget } from './tabular-targets.js';

export const FUZZ_TARGETS: Readonly<Record<string, FuzzTarget>> = {
  artifact: artifactTarget,
  recipe: recipeTarget,
  http: httpTarget,
  csv: csvTarget,
  parquet: parquetTarget,
};
