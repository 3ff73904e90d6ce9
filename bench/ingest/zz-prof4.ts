import { DuckSession } from '../../src/data/duckdb/session.js';
import { createCsvSource } from '../../src/data/sources/csv.js';

const origRun = DuckSession.prototype.run;
const origRows = DuckSession.prototype.rows;
DuckSession.prototype.run = async function (sql: string) {
  const t = performance.now();
  const r = await origRun.call(this, sql);
  console.error('run', Math.round(performance.now() - t), sql.slice(0, 100));
  return r;
};
DuckSession.prototype.rows = async function (sql: string) {
  const t = performance.now();
  const r = await origRows.call(this, sql);
  console.error('rows', Math.round(performance.now() - t), sql.slice(0, 100));
  return r;
};
const src = createCsvSource({
  type: 'csv',
  path: process.argv[2] ?? '/tmp/bench1m/interactions.csv',
  delimiter: ',',
  encoding: 'utf-8',
  header: 0,
  dtype: null,
  sha256: null,
});
const t = performance.now();
const table = await src.fetch({
  recipeName: 'b',
  runId: 'r',
  extra: { user_column: 'user_id', item_column: 'item_id' },
});
console.error('fetch total', Math.round(performance.now() - t), table.rowCount);
