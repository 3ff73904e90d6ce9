/**
 * CONTRIBUTING.md's layer table is the rule; this test reads that table and checks every import
 * under src/ against it, so the documentation and the enforcement cannot drift apart. It also
 * refuses runtime import cycles between modules (type-only imports vanish at run time and are
 * allowed to point both ways inside a layer).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const srcDir = join(root, 'src');

interface LayerRule {
  /** Layers this one may import at run time. */
  runtime: Set<string>;
  /** Layers this one may import only with `import type`. */
  typesOnly: Set<string>;
}

/** Rows look like: | command line | `src/cli` | everything below |. Order is top to bottom. */
function readLayerTable(): Map<string, LayerRule> {
  const text = readFileSync(join(root, 'CONTRIBUTING.md'), 'utf8');
  const rows = [...text.matchAll(/^\|[^|\n]*\|\s*`src\/([a-z-]+)`\s*\|([^|\n]*)\|\s*$/gm)];
  const order = rows.map((r) => r[1] as string);
  const table = new Map<string, LayerRule>();
  rows.forEach((row, index) => {
    const layer = row[1] as string;
    const allowed = (row[2] as string).trim();
    const rule: LayerRule = { runtime: new Set(), typesOnly: new Set() };
    if (allowed === 'everything below') {
      for (const lower of order.slice(index + 1)) rule.runtime.add(lower);
    } else if (allowed !== 'nothing') {
      for (const part of allowed.split(',')) {
        // A layer name, optionally annotated: "(types only)" allows `import type` alone; any other
        // note (e.g. which module to go through) is guidance for readers.
        const m = /^\s*([a-z-]+)\s*(\([^)]*\))?\s*$/.exec(part);
        if (!m) throw new Error(`CONTRIBUTING.md: cannot read '${part.trim()}' in the row of src/${layer}`);
        (m[2] === '(types only)' ? rule.typesOnly : rule.runtime).add(m[1] as string);
      }
    }
    table.set(layer, rule);
  });
  return table;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

interface ImportEdge {
  target: string;
  typeOnly: boolean;
  line: number;
}

const IMPORT_RE =
  /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(file, 'utf8');
  const edges: ImportEdge[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = (m[3] ?? m[4]) as string;
    if (!spec.startsWith('.')) continue;
    // `import { type A, type B } from` is type-only too when every name carries `type`.
    const clause = m[0];
    const braces = /\{([^}]*)\}/.exec(clause)?.[1];
    const allTyped =
      braces !== undefined &&
      /^\s*(import|export)\s+\{/.test(clause) &&
      braces
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .every((s) => s.startsWith('type '));
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    const line = text.slice(0, m.index).split('\n').length;
    edges.push({ target, typeOnly: m[2] !== undefined || allTyped, line });
  }
  return edges;
}

function layerOf(file: string): string {
  return relative(srcDir, file).split('/')[0] as string;
}

const files = sourceFiles(srcDir);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('layer rules from CONTRIBUTING.md', () => {
  const table = readLayerTable();

  it('lists every folder under src/', () => {
    const folders = readdirSync(srcDir).filter((n) => statSync(join(srcDir, n)).isDirectory());
    const missing = folders.filter((f) => !table.has(f));
    expect(missing, 'folders without a row in CONTRIBUTING.md').toEqual([]);
  });

  it('every import under src/ goes to an allowed layer', () => {
    const violations: string[] = [];
    for (const [file, edges] of graph) {
      const from = layerOf(file);
      const rule = table.get(from);
      for (const edge of edges) {
        const to = layerOf(edge.target);
        if (to === from || to.endsWith('.ts')) continue;
        const ok = rule !== undefined && (rule.runtime.has(to) || (edge.typeOnly && rule.typesOnly.has(to)));
        if (!ok) violations.push(`${relative(root, file)}:${edge.line} imports src/${to}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('refuses an import the table does not allow (the check can fail)', () => {
    const rule = table.get('linalg');
    expect(rule?.runtime.has('serve')).toBe(false);
    expect(table.get('cli')?.runtime.has('serve')).toBe(true);
    expect(table.get('train')?.runtime.has('serve')).toBe(false);
  });
});

describe('module graph', () => {
  it('has no runtime import cycles', () => {
    const runtime = new Map<string, string[]>();
    for (const [file, edges] of graph) {
      runtime.set(
        file,
        edges.filter((e) => !e.typeOnly && graph.has(e.target)).map((e) => e.target),
      );
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of runtime.get(file) ?? []) {
        const s = state.get(next);
        if (s === 'open') {
          const cycle = stack.slice(stack.indexOf(next)).concat(next);
          cycles.push(cycle.map((f) => relative(srcDir, f)).join(' -> '));
        } else if (s === undefined) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
