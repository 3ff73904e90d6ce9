/**
 * Filesystem containment: recipe files must stay inside the recipes
 * root, and local outputs inside `RECOTEM_ARTIFACT_ROOT`, with symlinks resolved so that a link
 * cannot smuggle a path out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecipeError } from '../errors/index.js';
import { localPathOf } from './paths.js';

/** True when `candidate` equals `root` or lies below it (both absolute and normalised). */
export function isWithin(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** True when `candidate` lies strictly below `root`. */
function isStrictlyWithin(root: string, candidate: string): boolean {
  return isWithin(root, candidate) && path.relative(root, candidate) !== '';
}

const MAX_SYMLINK_HOPS = 40;

/**
 * Python's non-strict `os.path.realpath`: resolves every symlink in the part of the path that
 * exists, then appends the rest; `..` is applied after resolving what precedes it.
 */
export function realpathLenient(target: string, cwd: string = process.cwd()): string {
  const absolute = path.isAbsolute(target) ? target : path.join(cwd, target);
  const pending = absolute.split(path.sep).filter((part) => part !== '' && part !== '.');
  let resolved = path.parse(absolute).root;
  let hops = 0;
  let missing = false;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved = path.dirname(resolved);
      continue;
    }
    const next = path.join(resolved, part);
    if (missing) {
      resolved = next;
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(next);
    } catch {
      // Everything from here on does not exist: join the remainder lexically.
      missing = true;
      resolved = next;
      continue;
    }
    if (stat.isSymbolicLink() && hops < MAX_SYMLINK_HOPS) {
      hops++;
      const link = fs.readlinkSync(next);
      const linked = path.isAbsolute(link) ? link : path.join(resolved, link);
      const linkedParts = linked.split(path.sep).filter((p) => p !== '' && p !== '.');
      pending.unshift(...linkedParts);
      resolved = path.parse(linked).root;
      continue;
    }
    resolved = next;
  }
  return resolved;
}

/** the file's real path must be inside the real path of the recipes root. */
export function checkRecipeContainment(file: string, recipesRoot: string): void {
  const resolvedFile = realpathLenient(file);
  const resolvedRoot = realpathLenient(recipesRoot);
  if (!isWithin(resolvedRoot, resolvedFile)) {
    throw new RecipeError(
      `Recipe file '${resolvedFile}' lies outside the recipes root '${resolvedRoot}'. Path traversal is rejected.`,
      { category: 'security', file },
    );
  }
}

/**
 * with `RECOTEM_ARTIFACT_ROOT` set, a local `output.path` must have an existing
 * parent directory whose real path lies inside the root, and the final name must not climb out.
 * Remote outputs are not checked. The trainer calls this again right before its atomic rename.
 */
export function checkOutputContainment(
  outputPath: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): void {
  const rootSetting = env.RECOTEM_ARTIFACT_ROOT ?? '';
  if (rootSetting === '') return;
  const local = localPathOf(outputPath);
  if (local === undefined) return;
  const root = realpathLenient(rootSetting, cwd);
  // No lexical normalisation: `link/..` must be resolved through the symlink, as the OS does.
  const absolute = path.isAbsolute(local) ? local : `${cwd}${path.sep}${local}`;
  const parent = path.dirname(local);
  const absoluteParent = path.dirname(absolute);
  let resolvedParent: string;
  try {
    resolvedParent = fs.realpathSync.native(absoluteParent);
    if (!fs.statSync(resolvedParent).isDirectory())
      throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new RecipeError(
        `output.path parent directory '${parent}' does not exist or is not a directory. Create it before running training.`,
      );
    }
    throw new RecipeError(`output.path parent directory '${parent}' could not be resolved: ${code ?? String(err)}`, {
      cause: err,
    });
  }
  if (!isWithin(root, resolvedParent)) {
    throw new RecipeError(
      `output.path parent '${resolvedParent}' is outside RECOTEM_ARTIFACT_ROOT='${root}'. Symlink escapes are rejected.`,
      { category: 'security' },
    );
  }
  // The final component is not resolved (a terminal symlink cannot redirect the check); `.` and
  // `..` are normalised so that they cannot name the root itself or climb above it.
  const candidate = path.resolve(resolvedParent, path.basename(absolute));
  if (!isStrictlyWithin(root, candidate)) {
    throw new RecipeError(`output.path resolves to '${candidate}' which is outside RECOTEM_ARTIFACT_ROOT='${root}'.`, {
      category: 'security',
    });
  }
}
