/**
 * The "available columns" part of a missing-column message. Column names are file contents, so
 * they are quoted only when the file reads as a real table: at least two columns and one data
 * row, and then only names that look like column names. A file that is not a table (a secret on
 * one line, `/etc/passwd`, an environment block) is described by its shape, never quoted.
 */

/** Letters, digits, `_`, then also spaces, `.` and `-`; at most 64 characters. */
const COLUMN_LIKE = /^[\p{L}\p{N}_][\p{L}\p{N}_ .-]{0,63}$/u;
const MAX_SHOWN = 10;

export interface TableShape {
  readonly columnNames: readonly string[];
  readonly rowCount: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function availableColumnsText(table: TableShape): string {
  const names = table.columnNames;
  if (names.length < 2 || table.rowCount < 1) {
    return `available columns: not shown (the file does not read as a table: ${plural(names.length, 'column')}, ${plural(table.rowCount, 'data row')})`;
  }
  const sorted = [...names].sort();
  const shown = sorted.filter((n) => COLUMN_LIKE.test(n)).slice(0, MAX_SHOWN);
  const hidden = names.length - shown.length;
  const list = shown.map((c) => `'${c}'`).join(', ');
  return hidden === 0 ? `available columns: [${list}]` : `available columns: [${list}] and ${hidden} more`;
}
