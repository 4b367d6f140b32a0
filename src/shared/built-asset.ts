/**
 * Files `npm run build` writes into `dist/` (scripts/build-assets.mjs: the OpenAPI validators, the precompiled
 * templates, the checked TypeScript texts), found from wherever the running code is: a compiled module under
 * `dist/src/`, the bundled CLI under `dist/cli/`, or the sources run through tsx, which have none (each caller then
 * does the work itself, as without a build).
 */
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The build's output folder this code runs from, or undefined when it runs from the sources. */
const DIST = ((): string | undefined => {
  const segments = fileURLToPath(import.meta.url).split(sep);
  const at = segments.lastIndexOf('dist');
  return at < 0 ? undefined : segments.slice(0, at + 1).join(sep);
})();

/** The absolute path of `path` (relative to `dist/`, e.g. `src/emit/precompiled-templates.cjs`) if the build wrote it. */
export function builtAsset(path: string): string | undefined {
  if (DIST === undefined) return undefined;
  const file = join(DIST, path);
  return existsSync(file) ? file : undefined;
}
