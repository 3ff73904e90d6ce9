// Read one user's exported recommendations from a SQLite export, as a web page would.
// Usage: node examples/export-sqlite/read.mjs recs.db user-0001 [table]
import Database from 'better-sqlite3';

const [file, userId, table = 'recommendations'] = process.argv.slice(2);
if (!file || !userId) {
  console.error('usage: node read.mjs DATABASE USER_ID [TABLE]');
  process.exit(2);
}
if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
  console.error(`not a table name: ${table}`);
  process.exit(2);
}
const db = new Database(file, { readonly: true, fileMustExist: true });
const rows = db.prepare(`SELECT * FROM "${table}" WHERE user_id = ? ORDER BY rank`).all(userId);
db.close();
if (rows.length === 0) {
  console.log(`no recommendations for ${userId}`);
  process.exit(1);
}
const fixed = new Set(['user_id', 'rank', 'item_id', 'score', 'model_version', 'generated_at']);
const extra = Object.keys(rows[0]).filter((c) => !fixed.has(c));
console.log(['rank', 'item_id', 'score', ...extra].join('\t'));
for (const r of rows) console.log([r.rank, r.item_id, r.score.toFixed(4), ...extra.map((c) => r[c] ?? '')].join('\t'));
console.log(`model ${rows[0].model_version}, generated ${rows[0].generated_at}`);
