/** Serialising an already-redacted record: one JSON line, or a readable console line. */

const STANDARD = new Set(['event', 'level', 'logger', 'timestamp', 'exception']);

const ANSI = {
  reset: '\u001b[0m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  cyan: '\u001b[36m',
  magenta: '\u001b[35m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  red: '\u001b[31m',
  redBold: '\u001b[31;1m',
} as const;

const LEVEL_COLOUR: Record<string, string> = {
  debug: ANSI.dim,
  info: ANSI.green,
  warning: ANSI.yellow,
  error: ANSI.red,
  critical: ANSI.redBold,
};

export function renderJsonLine(record: Record<string, unknown>): string {
  return JSON.stringify(record);
}

function renderConsoleValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** `timestamp level event key=value ...`, exception text on the following lines. */
export function renderConsoleLine(record: Record<string, unknown>, colours: boolean): string {
  const paint = (code: string, text: string) => (colours ? `${code}${text}${ANSI.reset}` : text);
  const level = String(record.level ?? 'info');
  const parts = [
    paint(ANSI.dim, String(record.timestamp ?? '')),
    paint(LEVEL_COLOUR[level] ?? '', `[${level.padEnd(8)}]`),
    paint(ANSI.bold, String(record.event ?? '')),
  ];
  for (const key of Object.keys(record)) {
    if (STANDARD.has(key)) continue;
    parts.push(`${paint(ANSI.cyan, key)}=${paint(ANSI.magenta, renderConsoleValue(record[key]))}`);
  }
  if (record.logger !== undefined) parts.push(paint(ANSI.dim, `logger=${String(record.logger)}`));
  let line = parts.join(' ');
  if (typeof record.exception === 'string') line += `\n${record.exception}`;
  return line;
}
