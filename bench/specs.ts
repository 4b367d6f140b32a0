/** The specs the generation benchmark runs on, and how many operations each declares. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BenchSpec {
  /** Short name, also what BENCH_SPECS selects on. */
  readonly name: string;
  /** Absolute path of the description file. */
  readonly path: string;
  /** Where it comes from, for the report. */
  readonly origin: string;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** petstore (in the repo), Stripe (copied into bench/specs/) and GitHub (the `@octokit/openapi` devDependency). */
export function benchSpecs(): BenchSpec[] {
  const require = createRequire(import.meta.url);
  const github = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const octokitVersion = (require('@octokit/openapi/package.json') as { version: string }).version;
  return [
    { name: 'petstore', path: fileURLToPath(new URL('../specs/petstore.yaml', import.meta.url)), origin: 'specs/petstore.yaml' },
    { name: 'stripe', path: fileURLToPath(new URL('./specs/stripe.json', import.meta.url)), origin: 'bench/specs/stripe.json' },
    { name: 'github', path: github, origin: `@octokit/openapi@${octokitVersion} generated/api.github.com.json` },
  ];
}

/** Number of operations (method entries under `paths`) the description declares. */
export function countOperations(path: string): number {
  const text = readFileSync(path, 'utf8');
  const doc = (path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as { paths?: Record<string, Record<string, unknown> | null> };
  let count = 0;
  for (const item of Object.values(doc.paths ?? {})) {
    for (const key of Object.keys(item ?? {})) if (HTTP_METHODS.has(key)) count++;
  }
  return count;
}
