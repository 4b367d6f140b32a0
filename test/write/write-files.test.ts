/**
 * #15: planWrite decides and applyPlan writes, on a real temp folder: new files, unchanged files, a hand-edited
 * generated file (a conflict unless --force), a user-owned file (never overwritten), files no longer emitted.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesOf, GENERATED_HEADER, type EmittedFile } from '../../src/emit/emit-server.js';
import { digestOf, MANIFEST_PATH, manifestFile, type Manifest } from '../../src/emit/manifest.js';
import { applyPlan, planWrite, readManifest, type WritePlan } from '../../src/write/write-files.js';
import { scratchDir } from '../support/scratch.js';

const owned = (path: string, contents: string): EmittedFile => ({ path, contents, owner: 'generator' });
const yours = (path: string, contents: string): EmittedFile => ({ path, contents, owner: 'user' });

/** The files of one generation, with its manifest (as generate emits them). */
function generation(...files: EmittedFile[]): EmittedFile[] {
  const manifest: Manifest = {
    generator: 'portcullis test',
    specDigest: digestOf('spec'),
    configDigest: digestOf('config'),
    files: Object.fromEntries(files.filter((f) => f.owner === 'generator').map((f) => [f.path, digestOf(bytesOf(f))])),
    userFiles: files.filter((f) => f.owner === 'user').map((f) => f.path),
    model: { securitySchemes: {}, tools: [] },
  };
  return [...files, manifestFile(manifest)];
}

const FIRST = generation(
  owned('src/index.ts', `// ${GENERATED_HEADER}\nexport const version = 1;\n`),
  owned('tools.json', '{"tools":[]}\n'),
  yours('src/hooks.ts', 'export const hooks = {};\n'),
);

function emptyFolder(): string {
  return join(scratchDir('write'), 'out');
}

/** A folder holding the first generation, as written. */
async function generated(): Promise<string> {
  const outDir = emptyFolder();
  await applyPlan(await planWrite(outDir, FIRST));
  return outDir;
}

/** Every file in `dir` (recursively) → its contents. */
async function contentsOf(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path.slice(dir.length + 1)] = await readFile(path, 'utf8');
  }
  return files;
}

async function put(dir: string, path: string, contents: string): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), contents);
}

/** The decisions of a plan, by path. */
function decisions(plan: WritePlan) {
  return { write: plan.write.map((f) => f.path), remove: plan.remove, unchanged: plan.unchanged, conflicts: plan.conflicts };
}

describe('#15 planWrite and applyPlan', () => {
  it('#15 writes every file into a new folder, the manifest last', async () => {
    const outDir = emptyFolder();
    const plan = await planWrite(outDir, FIRST);
    expect(decisions(plan)).toEqual({ write: ['src/index.ts', 'tools.json', 'src/hooks.ts', MANIFEST_PATH], remove: [], unchanged: [], conflicts: [] });
    expect(plan.previous).toBeUndefined();
    expect(await applyPlan(plan)).toEqual({ written: ['src/index.ts', 'tools.json', 'src/hooks.ts', MANIFEST_PATH], removed: [], unchanged: [] });
    expect(await contentsOf(outDir)).toEqual(Object.fromEntries(FIRST.map((f) => [f.path, f.contents])));
    expect((await readManifest(outDir))?.files).toEqual({ 'src/index.ts': digestOf(FIRST[0]!.contents), 'tools.json': digestOf(FIRST[1]!.contents) });
  });

  it('#15 leaves a folder that is up to date alone', async () => {
    const outDir = await generated();
    const plan = await planWrite(outDir, FIRST);
    expect(decisions(plan)).toEqual({ write: [], remove: [], unchanged: FIRST.map((f) => f.path), conflicts: [] });
    expect(plan.previous).toEqual(await readManifest(outDir));
    expect(await applyPlan(plan)).toEqual({ written: [], removed: [], unchanged: FIRST.map((f) => f.path) });
  });

  it('#15 rewrites a generated file that is still as generated', async () => {
    const outDir = await generated();
    const next = generation(owned('src/index.ts', `// ${GENERATED_HEADER}\nexport const version = 2;\n`), ...FIRST.slice(1, 3));
    const plan = await planWrite(outDir, next);
    expect(decisions(plan)).toEqual({ write: ['src/index.ts', MANIFEST_PATH], remove: [], unchanged: ['tools.json', 'src/hooks.ts'], conflicts: [] });
    await applyPlan(plan);
    expect(await contentsOf(outDir)).toEqual(Object.fromEntries(next.map((f) => [f.path, f.contents])));
  });

  it('#15 refuses to overwrite a hand-edited generated file, and applyPlan then writes nothing', async () => {
    const outDir = await generated();
    await put(outDir, 'tools.json', '{"tools":["mine"]}\n');
    const before = await contentsOf(outDir);
    const next = generation(owned('src/index.ts', `// ${GENERATED_HEADER}\nexport const version = 2;\n`), owned('tools.json', '{"tools":[1]}\n'), FIRST[2]!);
    const plan = await planWrite(outDir, next);
    expect(decisions(plan)).toEqual({ write: ['src/index.ts', MANIFEST_PATH], remove: [], unchanged: ['src/hooks.ts'], conflicts: ['tools.json'] });
    await expect(applyPlan(plan)).rejects.toThrow('applyPlan: the plan has conflicts: tools.json');
    expect(await contentsOf(outDir)).toEqual(before);
  });

  it('#15 overwrites a hand-edited generated file with force', async () => {
    const outDir = await generated();
    await put(outDir, 'tools.json', '{"tools":["mine"]}\n');
    const plan = await planWrite(outDir, FIRST, { force: true });
    expect(decisions(plan)).toEqual({ write: ['tools.json'], remove: [], unchanged: ['src/index.ts', 'src/hooks.ts', MANIFEST_PATH], conflicts: [] });
    await applyPlan(plan);
    expect(await readFile(join(outDir, 'tools.json'), 'utf8')).toBe(FIRST[1]!.contents);
  });

  it('#15 never overwrites a user-owned file, even with force, and creates it when missing', async () => {
    const outDir = await generated();
    await put(outDir, 'src/hooks.ts', 'export const hooks = { mine: true };\n');
    const next = generation(...FIRST.slice(0, 2), yours('src/hooks.ts', 'export const hooks = { template: 2 };\n'), yours('policies/local.cedar', '// yours\n'));
    for (const force of [false, true]) {
      const plan = await planWrite(outDir, next, { force });
      expect(plan.conflicts).toEqual([]);
      expect(plan.unchanged).toContain('src/hooks.ts');
      expect(plan.write.map((f) => f.path)).toEqual(['policies/local.cedar', MANIFEST_PATH]);
    }
    await applyPlan(await planWrite(outDir, next, { force: true }));
    expect(await readFile(join(outDir, 'src/hooks.ts'), 'utf8')).toBe('export const hooks = { mine: true };\n');
    expect(await readFile(join(outDir, 'policies/local.cedar'), 'utf8')).toBe('// yours\n');
  });

  it('#15 always brings a hand-edited manifest up to date', async () => {
    const outDir = await generated();
    const manifest = FIRST.find((f) => f.path === MANIFEST_PATH)!;
    await put(outDir, MANIFEST_PATH, manifest.contents.replace('portcullis test', 'edited'));
    const plan = await planWrite(outDir, FIRST);
    expect(decisions(plan)).toEqual({ write: [MANIFEST_PATH], remove: [], unchanged: ['src/index.ts', 'tools.json', 'src/hooks.ts'], conflicts: [] });
    await applyPlan(plan);
    expect(await readFile(join(outDir, MANIFEST_PATH), 'utf8')).toBe(manifest.contents);
  });

  it('#15 deletes generated files no longer emitted when still as generated, and only those', async () => {
    const outDir = await generated();
    await put(outDir, 'notes.txt', 'my notes\n');
    const next = generation(FIRST[1]!, FIRST[2]!);
    const plan = await planWrite(outDir, next);
    expect(decisions(plan)).toEqual({ write: [MANIFEST_PATH], remove: ['src/index.ts'], unchanged: ['tools.json', 'src/hooks.ts'], conflicts: [] });
    expect(await applyPlan(plan)).toEqual({ written: [MANIFEST_PATH], removed: ['src/index.ts'], unchanged: ['tools.json', 'src/hooks.ts'] });
    expect(Object.keys(await contentsOf(outDir)).sort()).toEqual(['notes.txt', MANIFEST_PATH, 'src/hooks.ts', 'tools.json']);
  });

  it('#15 an edited file no longer emitted is a conflict; force deletes it only when it carries the generated-file header', async () => {
    const outDir = await generated();
    await put(outDir, 'src/index.ts', `// ${GENERATED_HEADER}\nexport const version = 'mine';\n`);
    await put(outDir, 'tools.json', '{"tools":["mine"]}\n');
    const next = generation(FIRST[2]!);
    expect(decisions(await planWrite(outDir, next))).toEqual({ write: [MANIFEST_PATH], remove: [], unchanged: ['src/hooks.ts'], conflicts: ['src/index.ts', 'tools.json'] });
    // JSON cannot carry the header: an edited tools.json is never deleted, even with force.
    expect(decisions(await planWrite(outDir, next, { force: true }))).toEqual({
      write: [MANIFEST_PATH],
      remove: ['src/index.ts'],
      unchanged: ['src/hooks.ts'],
      conflicts: ['tools.json'],
    });
  });

  it('#15 a file already gone from the folder is neither removed nor a conflict', async () => {
    const outDir = await generated();
    await import('node:fs/promises').then((fs) => fs.rm(join(outDir, 'src/index.ts')));
    expect(decisions(await planWrite(outDir, generation(FIRST[1]!, FIRST[2]!)))).toEqual({
      write: [MANIFEST_PATH],
      remove: [],
      unchanged: ['tools.json', 'src/hooks.ts'],
      conflicts: [],
    });
  });

  it('#15 a file of someone else in the way (no manifest records it) is a conflict, never overwritten', async () => {
    const outDir = emptyFolder();
    await put(outDir, 'tools.json', '{"someone":"else"}\n');
    const plan = await planWrite(outDir, FIRST);
    expect(plan.conflicts).toEqual(['tools.json']);
    await expect(applyPlan(plan)).rejects.toThrow('conflicts');
    expect(await contentsOf(outDir)).toEqual({ 'tools.json': '{"someone":"else"}\n' });
  });

  it('#15 an unreadable manifest counts as none: edited files are conflicts, nothing is deleted', async () => {
    const outDir = await generated();
    await put(outDir, MANIFEST_PATH, '{ not json');
    expect(await readManifest(outDir)).toBeUndefined();
    await put(outDir, 'tools.json', '{"tools":["mine"]}\n');
    const plan = await planWrite(outDir, generation(FIRST[1]!, FIRST[2]!));
    expect(plan.previous).toBeUndefined();
    expect(decisions(plan)).toEqual({ write: [MANIFEST_PATH], remove: [], unchanged: ['src/hooks.ts'], conflicts: ['tools.json'] });
  });

  it('#15 a file emitted as bytes is written, recorded and compared as those bytes, its text never decoded', async () => {
    const bytes = Buffer.from('{"description":"It’s charged — once."}\n', 'utf8');
    const asBytes: EmittedFile = {
      path: 'tools.json',
      owner: 'generator',
      bytes,
      get contents(): string {
        throw new Error('the text of a file emitted as bytes was read');
      },
    };
    const files = generation(FIRST[0]!, asBytes);
    const outDir = emptyFolder();
    await applyPlan(await planWrite(outDir, files));
    expect(await readFile(join(outDir, 'tools.json'))).toEqual(bytes);
    expect((await readManifest(outDir))?.files['tools.json']).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    expect(decisions(await planWrite(outDir, files))).toEqual({ write: [], remove: [], unchanged: ['src/index.ts', 'tools.json', MANIFEST_PATH], conflicts: [] });
  });
});
