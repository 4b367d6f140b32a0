/** #15: YAML parsed by js-yaml gives the value the `yaml` package gives, or is left to `yaml`. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseSource } from '../../src/load/parse-source.js';
import { parseYamlFast } from '../../src/load/yaml-fast-path.js';

/** What the `yaml` package makes of `text`, as parse-source.ts reads it with that package; 'error' when it refuses it. */
function slow(text: string): unknown {
  const document = parseDocument(text, { prettyErrors: false });
  return document.errors.length > 0 ? 'error' : document.toJS({ maxAliasCount: -1 });
}

/** What parseSource makes of `text`, in the same terms. */
function parsed(text: string): unknown {
  const result = parseSource(text);
  return result.ok ? result.value : 'error';
}

describe('parseYamlFast', () => {
  it('#15 resolves every kind of plain scalar as the yaml package does, or leaves it to yaml', () => {
    const scalars = [
      '12', '+12', '-0', '012', '0o17', '0o8', '0x1F', '0x1f', '-0x1F', '0b101', '1_000', '123456789012345678901234',
      '1.5', '.5', '1.', '-1.5E-3', '1e3', '1E+3', '1e', '.e3', '0.1.2', '.inf', '-.Inf', '+.INF', '.NaN', '.nan', 'nan', 'inf',
      'null', 'Null', 'NULL', 'nULL', '~', '', 'true', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'no', 'on', 'off', 'y', 'n',
      '2020-01-01', '2001-12-14t21:59:43.10-05:00', '12:30:45', '1:20', '0777', '!!str 12', '!!int 12', '!!float 1.5', '"12"', "'true'",
    ];
    for (const scalar of scalars) {
      const text = `value: ${scalar}\nlist: [${scalar}]\n`;
      const fast = parseYamlFast(text);
      if (fast) expect({ scalar, value: fast.value }).toEqual({ scalar, value: slow(text) });
    }
    // The common ones are not left to yaml.
    for (const scalar of ['12', '1.5', 'true', 'null', 'text', '"quoted"']) expect(parseYamlFast(`value: ${scalar}`), scalar).toBeDefined();
  });

  it('#15 leaves keys the two packages spell differently to yaml', () => {
    // (Nested: a text starting with `[` or `{` is read as JSON.)
    for (const text of ['~: a\n', 'null: a\n', '? \n: a\n', 'x:\n  [a, b]: c\n', '? [a, b]\n: c\n', 'x:\n  {a: 1}: b\n', '"a,b": c\n']) {
      expect(parseYamlFast(text), text).toBeUndefined();
      expect(parsed(text), text).toEqual(slow(text));
    }
    expect(parseYamlFast('200: ok\n1.50: x\n0x1F: y\ntrue: z\n')?.value).toEqual(slow('200: ok\n1.50: x\n0x1F: y\ntrue: z\n'));
  });

  it('#15 leaves directives, unknown tags, duplicate keys, multiple documents and syntax errors to yaml', () => {
    const texts = ['%YAML 1.1\n---\na: yes\n', '%TAG ! tag:example.com,2000:\n---\na: !x 1\n', 'a: !!binary aGk=\n', 'a: !local 1\n', 'a: 1\na: 2\n', 'a: 1\n---\nb: 2\n', 'a: [1, 2\n', 'a:\n\t- 1\n'];
    for (const text of texts) expect(parseYamlFast(text), text).toBeUndefined();
    // `%YAML 1.1` makes `yes` a boolean for yaml: the result is yaml's.
    expect(parseSource('%YAML 1.1\n---\na: yes\n')).toEqual({ ok: true, value: { a: true } });
    expect(parseSource('a: 1\na: 2\n').ok).toBe(false);
  });

  it('#15 shares an aliased node instead of copying it, and leaves an alias inside its own anchor to yaml', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    const value = parseYamlFast(laughs)?.value as Record<string, unknown[]>;
    expect(value.j).toHaveLength(10);
    expect(value.j![0]).toBe(value.i);
    expect(parseYamlFast('a: &x [*x]\n')).toBeUndefined();
    expect(parseSource('a: &x [*x]\n')).toMatchObject({ ok: false, problems: [{ line: 1, message: expect.stringContaining('inside its own anchor') }] });
  });

  it('#15 reads every YAML spec and fixture of the repository as yaml does', () => {
    const files: string[] = [];
    const walk = (folder: string): void => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.ya?ml$/.test(entry.name)) files.push(path);
      }
    };
    walk('specs');
    walk('test/load/fixtures');
    let fast = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const result = parseSource(text);
      if (!result.ok) continue;
      expect(result.value, file).toEqual(slow(text));
      if (parseYamlFast(text)) fast++;
    }
    expect(fast).toBeGreaterThan(20);
  });
});
