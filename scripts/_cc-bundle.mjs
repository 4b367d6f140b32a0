import { build } from 'esbuild';
await build({
  entryPoints: ['/work/main/dist/src/cli/main.js'], outfile: '/work/main/dist/cc/main.cjs', bundle: true, format: 'cjs', platform: 'node', target: 'node20',
  external: ['oidc-provider', 'jose', 'ts-morph', '@cedar-policy/*', 'typescript'],
  define: { 'import.meta.url': '__import_meta_url' },
  banner: { js: 'const __import_meta_url = require("url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
});
