// Compiles every AssemblyScript kernel module in src/linalg/wasm/assembly/ into build/wasm/.
// The .wasm files are build output (not committed); `npm run build` and `npm test` run this first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src/linalg/wasm/assembly');
const outDir = join(root, 'build/wasm');
mkdirSync(outDir, { recursive: true });

const asc = join(root, 'node_modules/.bin/asc');
const modules = existsSync(srcDir) ? readdirSync(srcDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')) : [];
// Helpers the modules import (not compiled on their own): a change there rebuilds every module.
const sharedDir = join(srcDir, 'shared');
const sharedMtime = existsSync(sharedDir)
  ? Math.max(0, ...readdirSync(sharedDir).map((f) => statSync(join(sharedDir, f)).mtimeMs))
  : 0;
for (const file of modules) {
  const input = join(srcDir, file);
  const output = join(outDir, file.replace(/\.ts$/, '.wasm'));
  // Skip up-to-date outputs so repeated test runs stay fast.
  const newest = Math.max(statSync(input).mtimeMs, sharedMtime);
  if (existsSync(output) && statSync(output).mtimeMs >= newest) continue;
  execFileSync(
    asc,
    [
      input,
      '--outFile',
      output,
      '--enable',
      'simd',
      '--enable',
      'threads',
      '-O3',
      '--runtime',
      'stub',
      '--importMemory',
      '--sharedMemory',
      '--initialMemory',
      '1',
      '--maximumMemory',
      '65536',
      '--noAssert',
    ],
    { stdio: 'inherit' },
  );
  console.log(`wasm: ${file} -> ${output}`);
}
