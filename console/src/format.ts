/** Display helpers shared by the pages. */

export function shortVersion(v: string | null): string {
  if (v === null) return '–';
  return v.replace(/^sha256:/, '').slice(0, 12);
}

export function score(v: number | null | undefined, digits = 4): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–';
}

export function count(v: number | null | undefined): string {
  return typeof v === 'number' ? v.toLocaleString('en-US') : '–';
}

/** `2026-05-07T01:23:45Z` → `2026-05-07 01:23:45 UTC`. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
}

/** Seconds → `3 h 12 min`, `4 min 05 s`, `12 s`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function value(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Splits a list typed by a person: commas, spaces or new lines. */
export function idList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
