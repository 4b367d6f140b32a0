/**
 * The third step of `npm run build`: the CLI as one ES module per command (dist/cli/), which bin/portcullis.js runs.
 * Node 20 resolves, reads and compiles every ES module of a program one by one (it has no compile cache): the
 * `generate` command's ~110 compiled modules cost ≈60 ms before any work, more than a whole stage on a small spec.
 * Bundled, the command's code is a few files. Every package stays external (loaded from node_modules as before, most
 * of them lazily), and each command stays its own chunk, imported when it runs (src/cli/main.ts).
 * Plain JavaScript on the freshly compiled dist/, so it runs with `node` alone.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = new URL('../dist/cli/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: new URL('../dist/src/cli/main.js', import.meta.url).pathname },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Stable names, so two builds of the same sources give the same files.
  chunkNames: '[name]-[hash]',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
});
const outputs = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js'));
process.stderr.write(`bundle-cli: ${outputs.length} files in dist/cli/\n`);
