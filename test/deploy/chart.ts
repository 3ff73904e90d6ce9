/**
 * Renders the Helm chart the way `helm template` does, for tests on a machine without helm:
 * values.yaml coalesced with overrides (null deletes a key), values.schema.json enforced,
 * every template rendered with the shared `define`s, output split into YAML documents.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { TemplateSet } from './gotemplate/exec.js';
import { isMap, type Value } from './gotemplate/values.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART_DIR = join(REPO_ROOT, 'helm/recotem');

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are free-form YAML
export type Manifest = Record<string, any>;

export interface Rendered {
  /** Manifests by template file name (templates/x.yaml -> x.yaml). */
  byFile: Map<string, Manifest[]>;
  all: Manifest[];
  notes: string;
}

/** Helm's coalescing: override maps merge into defaults key by key; null removes the key. */
export function coalesce(base: Value, override: Value): Value {
  if (!isMap(base) || !isMap(override)) return override === undefined ? base : override;
  const out: Record<string, Value> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (v === null) delete out[k];
    else out[k] = coalesce(base[k], v);
  }
  return out;
}

export function chartValues(overrides: Value = {}): Record<string, Value> {
  const defaults = parseYaml(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
  return coalesce(defaults, overrides) as Record<string, Value>;
}

function chartObject(): Record<string, Value> {
  const c = parseYaml(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, Value>;
  return { Name: c.name, Version: c.version, AppVersion: c.appVersion, ApiVersion: c.apiVersion, Type: c.type };
}

function templateSet(): { set: TemplateSet; files: string[] } {
  const dir = join(CHART_DIR, 'templates');
  const set = new TemplateSet();
  const files = readdirSync(dir).sort();
  for (const f of files) set.add(f, readFileSync(join(dir, f), 'utf8'));
  return { set, files };
}

export interface RenderOptions {
  releaseName?: string;
  namespace?: string;
  /** Validates the merged values against values.schema.json first (as helm does). */
  validate?: (values: Record<string, Value>) => void;
}

export function renderChart(overrides: Value = {}, opts: RenderOptions = {}): Rendered {
  const values = chartValues(overrides);
  opts.validate?.(values);
  const filesGet = (path: string) => {
    const p = join(CHART_DIR, path);
    return existsSync(p) ? readFileSync(p, 'utf8') : '';
  };
  const data = {
    Values: values,
    Chart: chartObject(),
    Release: {
      Name: opts.releaseName ?? 'shop',
      Namespace: opts.namespace ?? 'recsys',
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    },
    Files: { Get: filesGet },
    Capabilities: { KubeVersion: { Version: 'v1.30.0' } },
  };
  const { set, files } = templateSet();
  const byFile = new Map<string, Manifest[]>();
  const all: Manifest[] = [];
  let notes = '';
  for (const f of files) {
    if (f.startsWith('_')) continue;
    const text = set.render(f, data);
    if (f === 'NOTES.txt') {
      notes = text;
      continue;
    }
    const docs: Manifest[] = [];
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${f}: invalid YAML: ${doc.errors[0].message}\n${text}`);
      const obj = doc.toJS();
      if (obj === null || obj === undefined) continue;
      docs.push(obj as Manifest);
    }
    byFile.set(f, docs);
    all.push(...docs);
  }
  return { byFile, all, notes };
}

export function findKind(r: Rendered, kind: string, nameSuffix = ''): Manifest[] {
  return r.all.filter((m) => m.kind === kind && String(m.metadata?.name ?? '').endsWith(nameSuffix));
}

export function one(r: Rendered, kind: string, nameSuffix = ''): Manifest {
  const found = findKind(r, kind, nameSuffix);
  if (found.length !== 1) throw new Error(`expected one ${kind}*${nameSuffix}, found ${found.length}`);
  return found[0];
}
