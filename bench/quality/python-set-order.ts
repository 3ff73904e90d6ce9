/**
 * The iteration order of a CPython `set` of small non-negative integers built by inserting `values`
 * in order (hash(n) = n): open addressing with 9 linear probes, then perturbed probing, and a
 * resize (re-inserting in table order) once the table is 60% full. The reference figures index
 * items in `list(set(df[item]))` order, so reproducing it makes ranking ties fall the same way.
 */
const LINEAR_PROBES = 9;
const PERTURB_SHIFT = 5;
const MIN_SIZE = 8;

function insertClean(table: Float64Array, mask: number, key: number): void {
  let perturb = key;
  let i = key & mask;
  for (;;) {
    if (Number.isNaN(table[i])) {
      table[i] = key;
      return;
    }
    if (i + LINEAR_PROBES <= mask) {
      for (let j = 1; j <= LINEAR_PROBES; j++) {
        if (Number.isNaN(table[i + j])) {
          table[i + j] = key;
          return;
        }
      }
    }
    perturb = Math.floor(perturb / 2 ** PERTURB_SHIFT);
    i = (i * 5 + 1 + perturb) & mask;
  }
}

export function pythonSetOrder(values: ArrayLike<number>): number[] {
  let mask = MIN_SIZE - 1;
  let table = new Float64Array(MIN_SIZE).fill(Number.NaN);
  let used = 0;
  const present = new Set<number>();
  for (let t = 0; t < values.length; t++) {
    const key = values[t];
    if (!Number.isInteger(key) || key < 0 || key > 2 ** 30)
      throw new RangeError(`pythonSetOrder: unsupported value ${key}`);
    if (present.has(key)) continue;
    present.add(key);
    insertClean(table, mask, key);
    used++;
    if (used * 5 >= mask * 3) {
      const minUsed = used > 50000 ? used * 2 : used * 4;
      let size = MIN_SIZE;
      while (size <= minUsed) size *= 2;
      const old = table;
      table = new Float64Array(size).fill(Number.NaN);
      mask = size - 1;
      for (let s = 0; s < old.length; s++) if (!Number.isNaN(old[s])) insertClean(table, mask, old[s]);
    }
  }
  const out: number[] = [];
  for (let s = 0; s < table.length; s++) if (!Number.isNaN(table[s])) out.push(table[s]);
  return out;
}
