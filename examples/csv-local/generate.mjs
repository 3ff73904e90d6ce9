// Rebuilds interactions.csv.gz and items.csv from a fixed seed: a tea shop's product views.
// Each customer mostly views one favourite category, so a personalised model has something to learn.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const CATEGORIES = ['green tea', 'black tea', 'herbal', 'teaware'];
const ITEMS_PER_CATEGORY = 8;
const USERS = 48;

let state = 20250101;
function random() {
  // xorshift32: small, seeded and identical on every platform.
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
}
const pick = (n) => Math.floor(random() * n);

const items = [];
for (const [c, category] of CATEGORIES.entries()) {
  for (let i = 0; i < ITEMS_PER_CATEGORY; i++) {
    const id = `p${String(c * ITEMS_PER_CATEGORY + i).padStart(3, '0')}`;
    const price = (4 + pick(2600) / 100).toFixed(2);
    items.push({ id, title: `${category[0].toUpperCase()}${category.slice(1)} no. ${i + 1}`, category, price });
  }
}

const start = Date.UTC(2025, 0, 6);
const rows = ['user_id,item_id,viewed_at'];
for (let u = 0; u < USERS; u++) {
  const favourite = pick(CATEGORIES.length);
  const views = 6 + pick(5);
  for (let v = 0; v < views; v++) {
    const category = random() < 0.8 ? favourite : pick(CATEGORIES.length);
    const item = items[category * ITEMS_PER_CATEGORY + pick(ITEMS_PER_CATEGORY)];
    const at = new Date(start + pick(80 * 24 * 60) * 60_000).toISOString().replace('.000Z', 'Z');
    rows.push(`c${String(u).padStart(3, '0')},${item.id},${at}`);
  }
}

writeFileSync(join(here, 'interactions.csv.gz'), gzipSync(`${rows.join('\n')}\n`, { level: 9 }));
writeFileSync(
  join(here, 'items.csv'),
  `item_id,title,category,price\n${items.map((i) => `${i.id},${i.title},${i.category},${i.price}`).join('\n')}\n`,
);
process.stdout.write(`wrote ${rows.length - 1} interactions and ${items.length} items\n`);
