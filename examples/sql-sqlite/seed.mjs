// Creates shop.db (SQLite) with a small, seeded order history: `node seed.mjs [path/to/shop.db]`.
// Default location: next to this script. An existing file is replaced.
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const target = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'shop.db'));
rmSync(target, { force: true });

let state = 424242;
function random() {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
}
const pick = (n) => Math.floor(random() * n);

const db = new Database(target);
db.exec(`
  CREATE TABLE products (product_id TEXT PRIMARY KEY, name TEXT NOT NULL, shelf INTEGER NOT NULL);
  CREATE TABLE orders (
    order_id INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (product_id),
    channel TEXT NOT NULL CHECK (channel IN ('web', 'store')),
    ordered_at INTEGER NOT NULL -- Unix seconds
  );
`);

const SHELVES = 5;
const PER_SHELF = 6;
const insertProduct = db.prepare('INSERT INTO products VALUES (?, ?, ?)');
const insertOrder = db.prepare('INSERT INTO orders (customer_id, product_id, channel, ordered_at) VALUES (?, ?, ?, ?)');
const start = Date.UTC(2025, 3, 1) / 1000;
let orders = 0;
db.transaction(() => {
  for (let p = 0; p < SHELVES * PER_SHELF; p++) {
    insertProduct.run(`sku-${String(p).padStart(2, '0')}`, `Product ${p}`, Math.floor(p / PER_SHELF));
  }
  for (let c = 0; c < 60; c++) {
    const shelf = pick(SHELVES);
    const count = 5 + pick(6);
    for (let o = 0; o < count; o++) {
      const s = random() < 0.75 ? shelf : pick(SHELVES);
      const product = `sku-${String(s * PER_SHELF + pick(PER_SHELF)).padStart(2, '0')}`;
      const channel = random() < 0.7 ? 'web' : 'store';
      insertOrder.run(`cust-${String(c).padStart(3, '0')}`, product, channel, start + pick(60 * 86_400));
      orders++;
    }
  }
})();
db.close();
process.stdout.write(`wrote ${orders} orders to ${target}\n`);
