/**
 * The third step of `npm run build`: the CLI as two bundles, which bin/portcullis.cjs runs.
 * - dist/cli/main.cjs: the CLI as one CommonJS file, with commander and js-yaml in it (as CommonJS, js-yaml's entry
 *   is 25 files, commander's 8); every other package is loaded from node_modules, most of them lazily. Node 20
 *   resolves, reads and compiles every ES module of a program one by one (the ~110 compiled modules of `generate`
 *   cost ≈60 ms before any work), and the same code bundled as one CommonJS file also runs faster and in less memory
 *   than bundled as ES modules (Stripe ≈−55 ms, GitHub ≈−28 MiB; BENCHMARKS.md, issue 15). Each command's modules
 *   are still evaluated only when it runs.
 * - dist/cli/dev-auth.mjs: the `dev-auth` command as an ES module, because the packages it needs (jose,
 *   oidc-provider) are ES modules only; main.cjs imports it when that command runs.
 * Plain JavaScript on the freshly compiled dist/, so it runs with `node` alone.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outdir = join(root, 'dist/cli');
rmSync(outdir, { recursive: true, force: true });

const DEV_AUTH_COMMAND = /[/\\]commands[/\\]dev-auth\.js$/;
const BUNDLED_PACKAGES = new Set(['commander', 'js-yaml']);
// Without comments and layout (names kept, the linked source map points into dist/): the same runs took 9–10 MiB
// less peak memory on Stripe's and GitHub's descriptions (BENCHMARKS.md, issue 15).
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning', minifyWhitespace: true };

/** Every package but `bundled` is left to node_modules. */
function packagesExternal(bundled) {
  return {
    name: 'packages-external',
    setup(context) {
      context.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        return bundled.has(name) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

await build({
  ...common,
  entryPoints: [join(root, 'dist/src/cli/main.js')],
  outfile: join(outdir, 'main.cjs'),
  format: 'cjs',
  // `import()` stays import(): a CommonJS module loaded by Node can import ES modules that way.
  supported: { 'dynamic-import': true },
  // The modules find their assets from their own location: the bundle's.
  define: { 'import.meta.url': 'bundleUrl' },
  banner: { js: 'const bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [
    packagesExternal(BUNDLED_PACKAGES),
    {
      name: 'dev-auth-apart',
      setup(context) {
        context.onResolve({ filter: DEV_AUTH_COMMAND }, () => ({ path: './dev-auth.mjs', external: true }));
      },
    },
  ],
});

await build({
  ...common,
  entryPoints: [join(root, 'dist/src/cli/commands/dev-auth.js')],
  outfile: join(outdir, 'dev-auth.mjs'),
  format: 'esm',
  plugins: [packagesExternal(new Set())],
});
process.stderr.write('bundle-cli: dist/cli/main.cjs and dist/cli/dev-auth.mjs\n');
