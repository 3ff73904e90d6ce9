// Regenerates the tutorial's synthetic purchase log and item catalogue (seeded, so the committed
// files are reproducible): node examples/tutorial-purchase-log/generate.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let state = 20240601;
const rand = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (n) => Math.floor(rand() * n);

const categories = ['books', 'music', 'garden', 'kitchen', 'toys', 'sports'];
const nItems = 180;
const items = Array.from({ length: nItems }, (_, i) => {
  const category = categories[i % categories.length];
  // Popularity falls off within each category so TopPop has something to find too.
  const rank = Math.floor(i / categories.length);
  return {
    id: `item-${String(i).padStart(3, '0')}`,
    category,
    price: Math.round((5 + rand() * 95) * 100) / 100,
    weight: 1 / (1 + rank) ** 0.8,
  };
});

const rows = ['user_id,item_id,purchased_at'];
const start = Date.UTC(2025, 0, 1) / 1000;
for (let u = 0; u < 400; u++) {
  const liked = [pick(categories.length), pick(categories.length)];
  const n = 8 + pick(25);
  const seen = new Set();
  for (let k = 0; k < n; k++) {
    // 85% of purchases come from the user's two favourite categories.
    const cat = rand() < 0.85 ? categories[liked[pick(2)]] : categories[pick(categories.length)];
    const pool = items.filter((it) => it.category === cat);
    const total = pool.reduce((s, it) => s + it.weight, 0);
    let x = rand() * total;
    let chosen = pool[0];
    for (const it of pool) {
      x -= it.weight;
      if (x <= 0) {
        chosen = it;
        break;
      }
    }
    if (seen.has(chosen.id)) continue;
    seen.add(chosen.id);
    const ts = start + pick(180 * 86400);
    rows.push(`user-${String(u).padStart(4, '0')},${chosen.id},${ts}`);
  }
}
writeFileSync(join(here, 'purchase_log.csv'), `${rows.join('\n')}\n`);
const catalogue = [
  'item_id,title,category,price',
  ...items.map(
    (it, i) => `${it.id},${it.category[0].toUpperCase()}${it.category.slice(1)} item ${i},${it.category},${it.price}`,
  ),
];
writeFileSync(join(here, 'items.csv'), `${catalogue.join('\n')}\n`);
console.log(`wrote ${rows.length - 1} purchases and ${items.length} items`);
