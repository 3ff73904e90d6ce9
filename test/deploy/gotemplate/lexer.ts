/**
 * Lexer for the subset of Go text/template syntax the Helm chart uses: text, `{{ }}` actions with
 * `{{- ` / ` -}}` whitespace trimming, comments, and the tokens inside actions. Anything outside
 * the subset is an error, so a template that drifts beyond it is caught instead of mis-rendered.
 */

export type Token =
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'ident'; v: string }
  | { t: 'field'; v: string[] }
  | { t: 'var'; v: string; path: string[] }
  | { t: 'punct'; v: '(' | ')' | '|' | ':=' | '=' | ',' };

export type Piece = { kind: 'text'; text: string } | { kind: 'action'; tokens: Token[]; line: number };

export class TemplateError extends Error {
  constructor(template: string, line: number, message: string) {
    super(`${template}:${line}: ${message}`);
    this.name = 'TemplateError';
  }
}

const SPACE = /[ \t\r\n]/;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /-?\d+(\.\d+)?/y;
const FIELD_CHAIN = /(\.[A-Za-z_][A-Za-z0-9_]*)+/y;

function lineAt(src: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (src.charCodeAt(i) === 10) line++;
  return line;
}

function readString(src: string, start: number, fail: (m: string) => never): [string, number] {
  const quote = src[start];
  if (quote === '`') {
    const end = src.indexOf('`', start + 1);
    if (end < 0) fail('unterminated raw string');
    return [src.slice(start + 1, end), end + 1];
  }
  let out = '';
  let i = start + 1;
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
  while (i < src.length && src[i] !== '"') {
    if (src[i] === '\\') {
      const e = escapes[src[i + 1]];
      if (e === undefined) fail(`unsupported escape \\${src[i + 1]}`);
      out += e;
      i += 2;
    } else {
      out += src[i++];
    }
  }
  if (i >= src.length) fail('unterminated string');
  return [out, i + 1];
}

function readFields(src: string, pos: number): [string[], number] {
  FIELD_CHAIN.lastIndex = pos;
  const m = FIELD_CHAIN.exec(src);
  if (!m) return [[], pos];
  return [m[0].slice(1).split('.'), pos + m[0].length];
}

/** Splits a template into text pieces and tokenised actions, applying the trim markers. */
export function lex(name: string, src: string): Piece[] {
  const pieces: Piece[] = [];
  let pos = 0;
  let trimNext = false;
  const pushText = (text: string) => {
    const t = trimNext ? text.replace(/^[ \t\r\n]+/, '') : text;
    trimNext = false;
    if (t.length > 0) pieces.push({ kind: 'text', text: t });
  };
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    if (open < 0) {
      pushText(src.slice(pos));
      break;
    }
    const line = lineAt(src, open);
    const fail: (m: string) => never = (m) => {
      throw new TemplateError(name, line, m);
    };
    let i = open + 2;
    let text = src.slice(pos, open);
    if (src[i] === '-' && SPACE.test(src[i + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      i += 1;
    }
    pushText(text);
    const tokens: Token[] = [];
    let closed = false;
    while (!closed) {
      const before = i;
      while (i < src.length && SPACE.test(src[i])) i++;
      if (i >= src.length) fail('unclosed action');
      if (i > before && src.startsWith('-}}', i)) {
        trimNext = true;
        i += 3;
        closed = true;
      } else if (src.startsWith('}}', i)) {
        i += 2;
        closed = true;
      } else if (src.startsWith('/*', i)) {
        if (tokens.length > 0) fail('comment must be the whole action');
        const end = src.indexOf('*/', i + 2);
        if (end < 0) fail('unclosed comment');
        i = end + 2;
      } else {
        const c = src[i];
        if (c === '"' || c === '`') {
          const [v, next] = readString(src, i, fail);
          tokens.push({ t: 'string', v });
          i = next;
        } else if (c === '(' || c === ')' || c === '|' || c === ',') {
          tokens.push({ t: 'punct', v: c });
          i++;
        } else if (src.startsWith(':=', i)) {
          tokens.push({ t: 'punct', v: ':=' });
          i += 2;
        } else if (c === '=') {
          tokens.push({ t: 'punct', v: '=' });
          i++;
        } else if (c === '$') {
          IDENT.lastIndex = i + 1;
          const m = IDENT.exec(src);
          const v = m ? m[0] : '';
          const [path, next] = readFields(src, i + 1 + v.length);
          tokens.push({ t: 'var', v, path });
          i = next;
        } else if (c === '.') {
          const [path, next] = readFields(src, i);
          tokens.push({ t: 'field', v: path });
          i = path.length === 0 ? i + 1 : next;
        } else if (/[-\d]/.test(c)) {
          NUMBER.lastIndex = i;
          const m = NUMBER.exec(src);
          if (!m) fail(`unexpected '${c}'`);
          tokens.push({ t: 'number', v: Number(m[0]) });
          i += m[0].length;
        } else {
          IDENT.lastIndex = i;
          const m = IDENT.exec(src);
          if (!m) fail(`unexpected '${c}'`);
          tokens.push({ t: 'ident', v: m[0] });
          i += m[0].length;
          if (src[i] === '.' && /[A-Za-z_]/.test(src[i + 1] ?? ''))
            fail('method chains on identifiers are not supported');
        }
      }
    }
    if (tokens.length > 0) pieces.push({ kind: 'action', tokens, line });
    pos = i;
  }
  return pieces;
}
