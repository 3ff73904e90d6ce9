/**
 * Runs a train-all shell script under /bin/sh with a stand-in `recotem` on PATH that exits with
 * the code written in each recipe file, so tests check the real script's control flow.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ScriptRun {
  code: number | null;
  /** Recipe paths `recotem train` was called with, in order. */
  trained: string[];
  /** Flags seen before each recipe path. */
  flags: string[][];
  stderr: string;
}

export class TrainSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'recotem-train-sh-'));
  readonly recipes = join(this.dir, 'recipes');
  private readonly bin = join(this.dir, 'bin');
  private readonly log = join(this.dir, 'calls.log');

  constructor() {
    mkdirSync(this.recipes);
    mkdirSync(this.bin);
    // The stand-in: logs its arguments, then exits with the number the recipe file holds.
    const fake = join(this.bin, 'recotem');
    writeFileSync(
      fake,
      `#!/bin/sh\nprintf '%s\\n' "$*" >> "${this.log}"\nfor last; do :; done\nexit "$(cat "$last")"\n`,
    );
    chmodSync(fake, 0o755);
  }

  /** A recipe file whose training "exits" with `code`. */
  recipe(name: string, code: number): string {
    const path = join(this.recipes, name);
    writeFileSync(path, `${code}\n`);
    return path;
  }

  run(script: string, args: string[], env: Record<string, string> = {}): ScriptRun {
    rmSync(this.log, { force: true });
    const res = spawnSync('/bin/sh', ['-c', script, 'recotem-train', ...args], {
      env: { PATH: `${this.bin}:/usr/bin:/bin`, RECIPES_DIR: this.recipes, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    let lines: string[] = [];
    try {
      lines = readFileSync(this.log, 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      lines = [];
    }
    const calls = lines.map((l) => l.split(' '));
    return {
      code: res.status,
      trained: calls.map((c) => c[c.length - 1]),
      flags: calls.map((c) => c.slice(1, -1)),
      stderr: res.stderr,
    };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
