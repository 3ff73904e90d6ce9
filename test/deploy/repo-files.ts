/** Reading the repository's deployment files and the RECOTEM_* names the product really reads. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './chart.js';

export function repoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * Every RECOTEM_* name the source mentions, minus names it only declares as constants (those are
 * not environment variables). `RECOTEM_RECIPE_` is the prefix of the recipe expansion namespace.
 */
export function knownEnvNames(): Set<string> {
  const names = new Set<string>();
  const constants = new Set<string>();
  for (const file of walk(join(REPO_ROOT, 'src'), [])) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/RECOTEM_[A-Z0-9_]+/g)) names.add(m[0]);
    for (const m of text.matchAll(/const (RECOTEM_[A-Z0-9_]+)\s*=/g)) constants.add(m[1]);
  }
  for (const c of constants) names.delete(c);
  return names;
}

/** True when `name` is a variable the product reads (prefix names of RECOTEM_RECIPE_ included). */
export function isKnownEnvName(name: string, known: Set<string>): boolean {
  if (known.has(name)) return true;
  return name.startsWith('RECOTEM_RECIPE_') && known.has('RECOTEM_RECIPE_');
}

export function envNamesIn(text: string): string[] {
  return [...new Set([...text.matchAll(/RECOTEM_[A-Z0-9_]*[A-Z0-9]/g)].map((m) => m[0]))];
}

export interface DockerInstruction {
  op: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
export function dockerInstructions(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) continue;
    const [op, ...rest] = pending.split(/\s+/);
    if (op.toUpperCase() === 'FROM') stage++;
    out.push({ op: op.toUpperCase(), args: rest.join(' '), stage });
    pending = '';
  }
  return out;
}
