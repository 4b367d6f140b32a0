/**
 * #8: hooks are tied to tool names. The emitted project has a generated `ToolName` union and the user's
 * `src/hooks.ts` declares `ServerHooks<ToolName>`, so a hook for a tool that no longer exists fails the build.
 */
import { execFile } from 'node:child_process';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { EMPTY_CONFIG } from '../../src/config/types.js';
import { generateFiles } from '../../src/generate.js';
import { ROOT } from '../../scripts/examples.js';
import { scratchDir } from '../support/scratch.js';

const run = promisify(execFile);
const V1 = join(ROOT, 'specs/diff/v1.yaml');
const V2 = join(ROOT, 'specs/diff/v2.yaml');

async function generate(spec: string, out: string): Promise<void> {
  const code = await runCli(['node', 'portcullis', 'generate', spec, '--out', out, '--quiet'], { stdout: () => {}, stderr: () => {} });
  expect(code).toBe(0);
}

/** `tsc --noEmit` of the project in `out`, against this repository's node_modules; its output ('' when it passes). */
async function typeCheck(out: string): Promise<string> {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run(process.execPath, [tsc, '-p', join(out, 'tsconfig.json'), '--noEmit'], { cwd: out }).catch((error) => error);
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}

async function project(): Promise<string> {
  const dir = scratchDir('toolnames');
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** A user hooks file naming `names` in `tools`, typed as the template writes it. */
function typedHooks(names: readonly string[]): string {
  return [
    "import type { ServerHooks } from './runtime/hooks.js';",
    "import type { ToolName } from './tool-names.js';",
    'export const hooks: ServerHooks<ToolName> = {',
    '  tools: {',
    ...names.map((name) => `    ${name === '*' ? "'*'" : name}: { before() {} },`),
    '  },',
    '};',
    '',
  ].join('\n');
}

describe('the ToolName type', () => {
  it('#8 lists every tool name as a string literal, each through JSON.stringify', async () => {
    const { files, model } = await generateFiles({ spec: V1, config: EMPTY_CONFIG });
    const file = files.find((f) => f.path === 'src/tool-names.ts');
    expect(file?.owner).toBe('generator');
    const names = [...file!.contents.matchAll(/^ {2}\| (".*");?$/gm)].map((match) => JSON.parse(match[1]!) as string);
    expect(names).toEqual(model.tools.map((tool) => tool.name));
  });

  it('#8 the user hooks template declares ServerHooks<ToolName>', async () => {
    const { files } = await generateFiles({ spec: V1, config: EMPTY_CONFIG });
    expect(files.find((f) => f.path === 'src/hooks.ts')?.contents).toContain('export const hooks: ServerHooks<ToolName> = {');
  });

  it('#8 a hook for a tool renamed or removed from the spec fails tsc, naming it; current names and * pass', async () => {
    const dir = await project();
    await generate(V1, dir);
    expect(await readFile(join(dir, 'src/hooks.ts'), 'utf8')).toContain('ServerHooks<ToolName>');
    await writeFile(join(dir, 'src/hooks.ts'), typedHooks(['*', 'getEntry', 'legacyExport', 'listEntries']));
    expect(await typeCheck(dir)).toBe('');

    await generate(V2, dir); // getEntry became fetchEntry; legacyExport is gone
    const output = await typeCheck(dir);
    expect(output).toMatch(/src\/hooks\.ts\(\d+,\d+\): error TS2353: .*'getEntry' does not exist/);

    await writeFile(join(dir, 'src/hooks.ts'), typedHooks(['*', 'fetchEntry', 'legacyExport', 'listEntries']));
    expect(await typeCheck(dir)).toMatch(/error TS2353: .*'legacyExport' does not exist/);
  }, 180_000);

  it('#8 authorize sees tool.name as ToolName: comparing it with a name no tool has fails tsc', async () => {
    const dir = await project();
    await generate(V2, dir);
    const hooks = (name: string) =>
      [
        "import type { ServerHooks } from './runtime/hooks.js';",
        "import type { ToolName } from './tool-names.js';",
        'export const hooks: ServerHooks<ToolName> = {',
        `  authorize(_identity, tool) { return tool.name === ${JSON.stringify(name)} ? { allowed: false, reason: 'no' } : { allowed: true }; },`,
        '};',
        '',
      ].join('\n');
    await writeFile(join(dir, 'src/hooks.ts'), hooks('getEntry'));
    expect(await typeCheck(dir)).toMatch(/error TS2367: .*"getEntry"/);
    await writeFile(join(dir, 'src/hooks.ts'), hooks('fetchEntry'));
    expect(await typeCheck(dir)).toBe('');
  }, 180_000);

  it('#8 an older hooks file with the untyped ServerHooks still compiles (the generate-time check reports it)', async () => {
    const dir = await project();
    await generate(V2, dir);
    await writeFile(
      join(dir, 'src/hooks.ts'),
      "import type { ServerHooks } from './runtime/hooks.js';\nexport const hooks: ServerHooks = { tools: { getEntry: {} } };\n",
    );
    expect(await typeCheck(dir)).toBe('');
  }, 180_000);
});
