/**
 * The user's Cedar policies (`policies/*.cedar` of the output folder) checked against the schema this generation
 * emits, before anything is written: a spec change that renames or retypes an argument a policy uses fails the
 * generation, located by file and line, instead of failing the server's start after deployment.
 */
import { join } from 'node:path';
import { checkPolicies, POLICY_FOLDER, POLICY_SCHEMA_FILE, readPolicyFolder } from '../../templates/runtime/policies.js';
import type { PolicyFile } from '../../templates/runtime/policies.js';
import type { EmittedFile } from '../emit/emit-server.js';
import type { Issue } from '../errors.js';

/** Problems of the policies in `outDir` against the emitted schema, as ERR_POLICY_INVALID issues; none when there is no policies folder. */
export async function checkUserPolicies(outDir: string, files: readonly EmittedFile[]): Promise<Issue[]> {
  const emitted = (name: string) => files.find((file) => file.path === `${POLICY_FOLDER}/${name}`);
  const schemaFile = emitted(POLICY_SCHEMA_FILE);
  if (schemaFile === undefined) return [];
  const folder = join(outDir, POLICY_FOLDER);
  const existing = await readPolicyFolder(folder, folder).catch(() => undefined);
  if (existing === undefined) return [];
  // The generator's files as this generation writes them; the user's as they are on disk.
  const policies: PolicyFile[] = existing.policies.map((file) => {
    const own = emitted(file.path.slice(folder.length + 1));
    return own && own.owner === 'generator' ? { path: file.path, text: own.contents } : file;
  });
  const problems = await checkPolicies({ path: join(folder, POLICY_SCHEMA_FILE), text: schemaFile.contents }, policies);
  return problems.map((problem) => ({
    code: 'ERR_POLICY_INVALID' as const,
    severity: 'error' as const,
    file: problem.file,
    pointer: `:${problem.line}`,
    message: problem.message,
    hint: `Update the policy to what ${POLICY_FOLDER}/${POLICY_SCHEMA_FILE} now offers (the spec or the config changed), or remove it.`,
  }));
}
