// Bundles the ray-gitops CLI into one ES module for the stager image: node docker/stager/bundle.mjs [OUTDIR]
// (default docker/stager/dist/). The image holds only Node.js and this file; the AWS SDK and every other
// dependency are inside it. Run after `npx tsc --build` (it bundles packages/cli/lib, the compiled CLI).
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');
const outdir = resolve(process.argv[2] ?? resolve(import.meta.dirname, 'dist'));
await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [resolve(root, 'packages/cli/bin/ray-gitops.js')],
  outfile: resolve(outdir, 'ray-gitops.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies inside an ES module bundle still call require()
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
process.stdout.write(`${resolve(outdir, 'ray-gitops.mjs')}\n`);
