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
for (const file of modules) {
  const input = join(srcDir, file);
  const output = join(outDir, file.replace(/\.ts$/, '.wasm'));
  // Skip up-to-date outputs so repeated test runs stay fast.
  if (existsSync(output) && statSync(output).mtimeMs >= statSync(input).mtimeMs) continue;
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
