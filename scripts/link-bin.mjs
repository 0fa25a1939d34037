// `npm ci` links the bins of dependencies, not the project's own. Linking ours into
// node_modules/.bin makes `npx s1mig ...` run this checkout's CLI (run by `prepare`).
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'dist', 'src', 'cli', 'main.js');
const binDir = join(root, 'node_modules', '.bin');
if (!existsSync(target)) {
  console.error(`link-bin: ${target} missing; run the build first`);
  process.exit(1);
}
chmodSync(target, 0o755);
mkdirSync(binDir, { recursive: true });
const link = join(binDir, 's1mig');
rmSync(link, { force: true });
symlinkSync(relative(binDir, target), link);
