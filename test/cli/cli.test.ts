import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { cli } from '../support/cli.js';
import { scratchDir } from '../support/scratch.js';


const tempDir = () => scratchDir('cli');

describe('portcullis generate', () => {
  it('generates a project and reports each stage with counts and time', async () => {
    const out = join(tempDir(), 'petstore');
    const { code, stderr } = await cli('generate', join(ROOT, 'specs/petstore.yaml'), '--out', out);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^load {6}OpenAPI 3\.0 \(\d+ ms\)$/m);
    expect(stderr).toMatch(/^normalize 20 operations \(\d+ ms\)$/m);
    expect(stderr).toMatch(/^model {5}20 tools, 2 scopes, \d+ schemas \(\d+ ms\)$/m);
    expect(stderr).toMatch(/^write {5}\d+ written, 0 unchanged \(\d+ ms\)$/m);
    expect(JSON.parse(await readFile(join(out, 'package.json'), 'utf8')).name).toBe('swagger-petstore-mcp');
  });

  it('is quiet with --quiet, takes --name, and leaves unchanged files alone on a second run', async () => {
    // helpdesk protects every write, so it generates without warnings
    const out = join(tempDir(), 'desk');
    expect(await cli('generate', join(ROOT, 'specs/helpdesk.yaml'), '--out', out, '--quiet', '--name', 'desk-mcp')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(JSON.parse(await readFile(join(out, 'package.json'), 'utf8')).name).toBe('desk-mcp');
    const before = (await stat(join(out, 'tools.json'))).mtimeMs;
    const again = await cli('generate', join(ROOT, 'specs/helpdesk.yaml'), '--out', out, '--name', 'desk-mcp');
    expect(again.stderr).toMatch(/^write {5}0 written, \d+ unchanged/m);
    expect((await stat(join(out, 'tools.json'))).mtimeMs).toBe(before);
  });

  it('applies the config file', async () => {
    const dir = tempDir();
    const config = join(dir, 'portcullis.yaml');
    await import('node:fs/promises').then((fs) => fs.writeFile(config, 'include:\n  tags: [store]\nroles:\n  clerk:\n    methods: [DELETE]\n'));
    const { code } = await cli('generate', join(ROOT, 'specs/petstore.yaml'), '--out', join(dir, 'out'), '--config', config, '--quiet');
    expect(code).toBe(0);
    const tools = JSON.parse(await readFile(join(dir, 'out', 'tools.json'), 'utf8')).tools as { name: string; roles: string[] }[];
    expect(tools.map((t) => [t.name, t.roles])).toEqual([
      ['getInventory', []],
      ['placeOrder', []],
      ['getOrderById', []],
      ['deleteOrder', ['clerk']],
    ]);
  });

  it('prints warnings located, and fails on them with --strict', async () => {
    const strictOut = join(tempDir(), 'strict');
    const strict = await cli('generate', join(ROOT, 'specs/petstore.yaml'), '--out', strictOut, '--quiet', '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^error: \d+ problems found; nothing was written$/m);
    expect(existsSync(strictOut)).toBe(false);
    const out = join(tempDir(), 'pets');
    const loose = await cli('generate', join(ROOT, 'specs/petstore.yaml'), '--out', out, '--quiet');
    expect(loose.code).toBe(0);
    expect(loose.stderr).toContain('warning: ');
    expect(loose.stderr).toContain('petstore.yaml#/paths/~1user/post: POST /user (tool createUser) changes data but requires no scope or role');
  });

  it('exits 1 with every located problem, no stack, and writes nothing for a broken spec', async () => {
    const out = join(tempDir(), 'never');
    const { code, stderr } = await cli('generate', join(ROOT, 'specs/invalid/unknown-security-scheme.yaml'), '--out', out);
    expect(code).toBe(1);
    expect(stderr).toMatch(/unknown-security-scheme\.yaml#\/\S+: .+\. .+ \[ERR_SPEC_UNKNOWN_SCHEME\]/);
    expect(stderr).toMatch(/^error: \d+ problems? found; nothing was written$/m);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 1 for a broken config, a missing spec and a missing --out', async () => {
    const dir = tempDir();
    const config = join(dir, 'bad.yaml');
    await import('node:fs/promises').then((fs) => fs.writeFile(config, 'exclude:\n  verbs: [GET]\n'));
    const badConfig = await cli('generate', join(ROOT, 'specs/petstore.yaml'), '--out', join(dir, 'o'), '--config', config);
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain('bad.yaml#/exclude/verbs: unknown key "verbs"');
    const missing = await cli('generate', join(dir, 'nope.yaml'), '--out', join(dir, 'o'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[ERR_SPEC_READ]');
    const noOut = await cli('generate', join(ROOT, 'specs/petstore.yaml'));
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain("required option '-o, --out <dir>' not specified");
  });

  it('documents every option in --help', async () => {
    const { code, stdout } = await cli('generate', '--help');
    expect(code).toBe(0);
    for (const option of ['--out', '--config', '--name', '--allow-remote-refs', '--max-spec-size', '--strict', '--quiet', '--force', '--watch', '--fail-on-security-change']) {
      expect(stdout).toContain(option);
    }
    for (const command of ['check', 'diff']) {
      const help = await cli(command, '--help');
      expect(help.code).toBe(0);
      for (const option of ['--out', '--config', '--fail-on-security-change']) expect(help.stdout).toContain(option);
    }
  });
});

describe('bin/portcullis.cjs', () => {
  it('runs the built CLI as a process', async () => {
    const out = join(tempDir(), 'notes');
    const { stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/portcullis.cjs'), 'generate', join(ROOT, 'specs/notes-apikey.yaml'), '--out', out]);
    expect(stderr).toContain(`generated 6 tools into ${out}`);
    expect(existsSync(join(out, 'tools.json'))).toBe(true);
  });

  it('#15 says how to build the CLI when it is not built, instead of a stack trace', async () => {
    const bin = join(tempDir(), 'bin');
    mkdirSync(bin);
    copyFileSync(join(ROOT, 'bin/portcullis.cjs'), join(bin, 'portcullis.cjs'));
    const failure = await promisify(execFile)(process.execPath, [join(bin, 'portcullis.cjs'), '--version']).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/^error: portcullis is not built \(.*dist\/cli\/main\.cjs is missing\)\. Run `npm install` or `npm run build` in .*\.\n$/);
  });
});

describe('warning output', () => {
  it('prints at most ten warnings of a code, then how many more', async () => {
    const { warningLines } = await import('../../src/cli/output.js');
    const warning = (n: number) => ({ code: 'WARN_SPEC_UNPROTECTED_WRITE' as const, severity: 'warning' as const, file: 's.yaml', pointer: `#/paths/~1p${n}/post`, message: 'm', hint: 'h' });
    const lines = warningLines(Array.from({ length: 13 }, (_, n) => warning(n)));
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('warning: s.yaml#/paths/~1p0/post: m. h [WARN_SPEC_UNPROTECTED_WRITE]');
    expect(lines[10]).toBe('warning: ... and 3 more [WARN_SPEC_UNPROTECTED_WRITE] (--verbose prints them all, --report <file> writes every issue; --strict fails on all of them)');
  });
});
