/**
 * Business filters over item metadata. At load, each filterable field becomes two columns aligned
 * with the model's item indices (the value as text, and as a number where it reads as one), so a
 * request's filter is one pass per condition producing a bitmap that the ranker applies before the
 * top-k cut. Operands that are numbers compare numerically (CSV cells such as "1995" qualify);
 * string operands compare exactly (`gte`/`lte` in code-unit order, which suits ISO dates);
 * booleans match booleans. Items without a metadata row, or with a null value, never pass a
 * condition except `nin`.
 */
import type { MetadataIndex } from '../registry/entry.js';

export type FilterValue = string | number | boolean;
export interface FilterCondition {
  eq?: FilterValue;
  in?: FilterValue[];
  nin?: FilterValue[];
  gte?: string | number;
  lte?: string | number;
}
export type FilterSpec = Record<string, FilterCondition>;

interface FieldColumns {
  /** Value as text (booleans as "true"/"false"), null when missing. */
  text: (string | null)[];
  /** Value as a number, NaN when missing or not numeric. */
  numeric: Float64Array;
  /** 1 true, 0 false, -1 not a boolean. */
  bool: Int8Array;
}

export interface FilterIndex {
  readonly nItems: number;
  readonly fields: ReadonlyMap<string, FieldColumns>;
}

/** A filter names a field that is not declared filterable (or the recipe has no metadata). */
export class FilterFieldError extends Error {
  override name = 'FilterFieldError';
  constructor(readonly field: string) {
    super(`field '${field}' is not filterable (declare it in item_metadata.filterable)`);
  }
}

function asNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return Number.NaN;
}

/**
 * Columns for the `filterable` fields still present after the deny-list (a denied field cannot be
 * filtered on: that would reveal its values).
 */
export function buildFilterIndex(
  itemIds: readonly string[],
  metadata: MetadataIndex,
  filterable: readonly string[],
): FilterIndex {
  const fields = new Map<string, FieldColumns>();
  const records = itemIds.map((id) => metadata.get(id));
  const present = new Set<string>();
  for (const r of records) if (r !== undefined) for (const k in r) present.add(k);
  for (const field of filterable) {
    if (!present.has(field)) continue;
    const n = itemIds.length;
    const cols: FieldColumns = { text: new Array(n).fill(null), numeric: new Float64Array(n), bool: new Int8Array(n) };
    for (let i = 0; i < n; i++) {
      const v = records[i]?.[field];
      cols.numeric[i] = asNumber(v);
      cols.bool[i] = typeof v === 'boolean' ? (v ? 1 : 0) : -1;
      cols.text[i] = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
    }
    fields.set(field, cols);
  }
  return { nItems: itemIds.length, fields };
}

/** An `eq`/`in`/`nin` operand list split by type, so membership is a Set lookup per item. */
interface ValueSet {
  text: Set<string>;
  numbers: Set<number>;
  bools: Set<number>;
}

function valueSet(values: readonly FilterValue[]): ValueSet {
  const set: ValueSet = { text: new Set(), numbers: new Set(), bools: new Set() };
  for (const v of values) {
    if (typeof v === 'number') set.numbers.add(v);
    else if (typeof v === 'boolean') set.bools.add(v ? 1 : 0);
    else set.text.add(v);
  }
  return set;
}

function member(cols: FieldColumns, i: number, set: ValueSet): boolean {
  if (set.text.size > 0) {
    const t = cols.text[i];
    if (t !== null && set.text.has(t)) return true;
  }
  if (set.numbers.size > 0 && set.numbers.has(cols.numeric[i])) return true;
  return set.bools.size > 0 && set.bools.has(cols.bool[i]);
}

function compare(cols: FieldColumns, i: number, bound: string | number): number {
  if (typeof bound === 'number') {
    const x = cols.numeric[i];
    return Number.isNaN(x) ? Number.NaN : x - bound;
  }
  const t = cols.text[i];
  if (t === null) return Number.NaN;
  return t < bound ? -1 : t > bound ? 1 : 0;
}

/** Throws FilterFieldError for the first field the index does not hold. */
export function checkFilterFields(index: FilterIndex | null, filter: FilterSpec): void {
  for (const field of Object.keys(filter)) {
    if (index === null || !index.fields.has(field)) throw new FilterFieldError(field);
  }
}

/** Bitmap over item indices: 1 where every condition of the filter holds. */
export function evaluateFilter(index: FilterIndex | null, filter: FilterSpec): Uint8Array {
  checkFilterFields(index, filter);
  if (index === null) return new Uint8Array(0);
  const n = index.nItems;
  const allowed = new Uint8Array(n).fill(1);
  for (const [field, cond] of Object.entries(filter)) {
    const cols = index.fields.get(field)!;
    const eq = cond.eq === undefined ? null : valueSet([cond.eq]);
    const inSet = cond.in === undefined ? null : valueSet(cond.in);
    const ninSet = cond.nin === undefined ? null : valueSet(cond.nin);
    for (let i = 0; i < n; i++) {
      if (allowed[i] === 0) continue;
      let ok = true;
      if (eq !== null) ok = member(cols, i, eq);
      if (ok && inSet !== null) ok = member(cols, i, inSet);
      if (ok && ninSet !== null) ok = !member(cols, i, ninSet);
      if (ok && cond.gte !== undefined) ok = compare(cols, i, cond.gte) >= 0;
      if (ok && cond.lte !== undefined) ok = compare(cols, i, cond.lte) <= 0;
      if (!ok) allowed[i] = 0;
    }
  }
  return allowed;
}
