/**
 * Reading a recipe's YAML: YAML 1.1 with PyYAML's scalar typing,
 * plain data only, duplicate keys rejected, and a locator that maps a document path back to the
 * line and column of its node so every later error can point at the offending field.
 */
import type * as Yaml from 'yaml';
import type { Document, Pair, Node as YamlNode } from 'yaml';
import { RecipeError } from '../errors/index.js';
import { yaml } from './yaml-module.js';
import { ALLOWED_TAGS, IntegralFloat, KEPT_BASE_TAGS, PYYAML_SCALAR_TAGS } from './yaml-tags.js';

const { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, Schema, visit } = yaml;
type LineCounter = Yaml.LineCounter;
type Schema = Yaml.Schema;

export interface SourcePosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export type DocumentPath = readonly (string | number)[];

/** Finds where a path of the document is written; `atKey` points at the mapping key instead of its value. */
export type Locator = (path: DocumentPath, atKey?: boolean) => SourcePosition | undefined;

export interface ParsedYaml {
  /** Plain data: objects, arrays, strings, numbers, booleans, null and Date (timestamps). */
  readonly data: unknown;
  readonly locate: Locator;
}

/** Aliases may share plain data, but an alias explosion is an attack, not a recipe. */
const MAX_ALIAS_COUNT = 50;

function parseError(file: string, detail: string, pos: SourcePosition | undefined): RecipeError {
  const where = pos ? ` at line ${pos.line}, column ${pos.column}` : '';
  return new RecipeError(`YAML parse error in '${file}': ${detail}${where}`, {
    category: 'parse',
    file,
    line: pos?.line,
    column: pos?.column,
  });
}

function positionOf(lines: LineCounter, offset: number | undefined): SourcePosition | undefined {
  if (offset === undefined || offset < 0) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** Built once: constructing the tag schema costs about as much as parsing a recipe. */
let recipeSchema: Schema | undefined;
function yamlSchema(): Schema {
  recipeSchema ??= new Schema({
    schema: 'yaml-1.1',
    customTags: (tags) => [
      ...tags.filter((t) => typeof t === 'object' && KEPT_BASE_TAGS.has(t.tag)),
      ...PYYAML_SCALAR_TAGS,
    ],
    merge: true,
  });
  return recipeSchema;
}

export function parseRecipeYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    version: '1.1',
    schema: yamlSchema(),
    merge: true,
    uniqueKeys: true,
    strict: true,
    prettyErrors: false,
    logLevel: 'silent',
    lineCounter: lines,
  });
  if (!Array.isArray(docs) || docs.length === 0) return { data: null, locate: () => undefined };
  if (docs.length > 1) {
    throw parseError(file, 'expected a single document in the stream', positionOf(lines, docs[1].range[0]));
  }
  const doc = docs[0];
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const at = problem.pos?.[0];
    const message = problem.code === 'DUPLICATE_KEY' ? duplicateKeyMessage(doc, at) : problem.message;
    throw parseError(file, message, positionOf(lines, at));
  }
  rejectForeignTags(doc, file, lines);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw parseError(file, err instanceof Error ? err.message : String(err), undefined);
  }
  return { data: settleFloats(data, false), locate: makeLocator(doc, lines) };
}

/** Keeps `IntegralFloat` only under `query_parameters` keys; plain numbers everywhere else. */
function settleFloats(value: unknown, keep: boolean): unknown {
  if (value instanceof IntegralFloat) return keep ? value : value.value;
  if (Array.isArray(value)) return value.map((v) => settleFloats(v, keep));
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      obj[key] = settleFloats(obj[key], keep || key.toLowerCase() === 'query_parameters');
    }
  }
  return value;
}

function rejectForeignTags(doc: Document.Parsed, file: string, lines: LineCounter): void {
  visit(doc, {
    Node(_key, node) {
      const tag = (node as { tag?: string }).tag;
      if (tag !== undefined && !ALLOWED_TAGS.has(tag)) {
        const range = (node as { range?: [number, number, number] }).range;
        throw parseError(
          file,
          `tag '${tag}' is not allowed; recipes hold plain mappings, lists and scalars`,
          positionOf(lines, range?.[0]),
        );
      }
    },
  });
}

/** The parser only says "Map keys must be unique"; name the repeated key so the user finds it. */
function duplicateKeyMessage(doc: Document.Parsed, offset: number | undefined): string {
  let name: string | undefined;
  visit(doc, {
    Pair(_key, pair) {
      const key = pair.key;
      if (isScalar(key) && key.range?.[0] === offset && typeof key.value !== 'symbol') {
        name = String(key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return name === undefined ? 'duplicate key in a mapping' : `duplicate key '${name}'`;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}

function keyMatches(key: unknown, wanted: string | number): boolean {
  if (!isScalar(key)) return false;
  const value = key.value;
  if (typeof value === 'symbol') return false;
  return String(value) === String(wanted);
}

function makeLocator(doc: Document.Parsed, lines: LineCounter): Locator {
  const deref = (node: unknown, depth = 0): unknown =>
    isAlias(node) && depth < 16 ? deref(node.resolve(doc), depth + 1) : node;

  /** The pair holding `key` in a map, following `<<` merges (own keys first, as merging does). */
  const findPair = (map: unknown, key: string | number, depth = 0): Pair | undefined => {
    const node = deref(map);
    if (!isMap(node) || depth > 16) return undefined;
    let found: Pair | undefined;
    for (const pair of node.items) if (keyMatches(pair.key, key)) found = pair;
    if (found) return found;
    for (const pair of node.items) {
      if (!isMergeKey(pair.key)) continue;
      const source = deref(pair.value);
      const sources = isSeq(source) ? source.items : [source];
      for (const s of sources) {
        const hit = findPair(s, key, depth + 1);
        if (hit) return hit;
      }
    }
    return undefined;
  };

  const start = (node: unknown): SourcePosition | undefined => {
    const range = (node as YamlNode | null)?.range;
    return range ? positionOf(lines, range[0]) : undefined;
  };

  return (path, atKey = false) => {
    let node: unknown = doc.contents;
    // Where to point when the path stops matching: the key (or list item) that was matched last.
    let anchor: SourcePosition | undefined;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const current = deref(node);
      const last = i === path.length - 1;
      if (isMap(current)) {
        const pair = findPair(current, segment);
        if (!pair) return anchor;
        if (last && atKey) return start(pair.key) ?? anchor;
        anchor = start(pair.key) ?? anchor;
        // A key with an empty value has no value node: point at the key.
        node = pair.value ?? pair.key;
      } else if (isSeq(current) && typeof segment === 'number') {
        const item = current.items[segment];
        if (item === undefined) return anchor;
        node = item;
        anchor = start(node) ?? anchor;
      } else {
        return anchor;
      }
    }
    return start(node) ?? anchor;
  };
}
