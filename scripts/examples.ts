/** The example specs under specs/ and where their servers are committed under generated/. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Example {
  /** Name of the example, also the folder under generated/. */
  readonly name: string;
  /** Spec path relative to the repository root (as users would type it). */
  readonly spec: string;
  /** Config path relative to the root, when `specs/<name>.config.yaml` exists. */
  readonly config?: string;
  readonly outDir: string;
}

/** Every valid example spec: `specs/<name>.{yaml,yml,json}`, except configs and files in sub-folders. */
export function listExamples(): Example[] {
  return readdirSync(join(ROOT, 'specs'), { withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ya?ml|json)$/.test(entry.name) && !/\.config\.(ya?ml|json)$/.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .map((file) => {
      const name = file.replace(/\.(ya?ml|json)$/, '');
      const config = `specs/${name}.config.yaml`;
      return {
        name,
        spec: `specs/${file}`,
        ...(existsSync(join(ROOT, config)) ? { config } : {}),
        outDir: `generated/${name}`,
      };
    });
}
