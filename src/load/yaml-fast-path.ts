/**
 * The quick way to parse a YAML spec: js-yaml, with plain scalars resolved exactly as the `yaml` package resolves
 * them under YAML 1.2's core schema (the same patterns, in the same order). On a cold process js-yaml loads and
 * parses a 20-operation spec ≈5× faster than `yaml`, whose documents keep every node with its source range.
 *
 * It only answers when it is sure to give the value `yaml` would: anything js-yaml refuses or warns about, any
 * directive, and any key whose text the two packages spell differently (a null key, a mapping or sequence used as
 * a key) or a cycle through an alias makes it give up, and the caller parses with `yaml`, which locates errors by
 * line and column. Explicit tags other than the core ones (`!!binary`, `!local`) are unknown here, so they give
 * up too. Compared on 4,792 texts (the repository's YAML, and 1,200 real specs written out as YAML in four styles):
 * 100 left to `yaml`, 3 values differ, all in whitespace: a block scalar ending in a line of spaces, which js-yaml
 * keeps as the YAML spec says (§8.1.1.2) and `yaml` drops, and a double-quoted line break before an empty line.
 * @see https://yaml.org/spec/1.2.2/#1032-tag-resolution
 */
// An ES module import: from the compiled modules Node loads js-yaml's one-file build (its CommonJS entry is 25
// files); the CLI bundle (scripts/bundle-cli.mjs) carries it inside.
import { FAILSAFE_SCHEMA, load, Type, type Schema } from 'js-yaml';

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const INT_OCTAL = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXPONENT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

let coreSchema: Schema | undefined;

/** The core schema's scalars as `yaml` resolves them (js-yaml's own int also takes `0b1`, `-0x1`, …). */
function yamlCoreSchema(): Schema {
  if (coreSchema) return coreSchema;
  const nullType = new Type('tag:yaml.org,2002:null', { kind: 'scalar', resolve: (data: string | null) => data === null || NULL.test(data), construct: () => null });
  const bool = new Type('tag:yaml.org,2002:bool', {
    kind: 'scalar',
    resolve: (data: string | null) => data !== null && BOOL.test(data),
    construct: (data: string) => data[0] === 't' || data[0] === 'T',
  });
  const int = new Type('tag:yaml.org,2002:int', {
    kind: 'scalar',
    resolve: (data: string | null) => data !== null && (INT_OCTAL.test(data) || INT.test(data) || INT_HEX.test(data)),
    construct: (data: string) => (INT_OCTAL.test(data) ? parseInt(data.slice(2), 8) : INT_HEX.test(data) ? parseInt(data.slice(2), 16) : parseInt(data, 10)),
  });
  const float = new Type('tag:yaml.org,2002:float', {
    kind: 'scalar',
    resolve: (data: string | null) => data !== null && (FLOAT_SPECIAL.test(data) || FLOAT_EXPONENT.test(data) || FLOAT.test(data)),
    construct: (data: string) => {
      if (!FLOAT_SPECIAL.test(data)) return parseFloat(data);
      if (data.slice(-3).toLowerCase() === 'nan') return Number.NaN;
      return data.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    },
  });
  coreSchema = FAILSAFE_SCHEMA.extend({ implicit: [nullType, bool, int, float] });
  return coreSchema;
}

/** The value of `source` as the `yaml` package would give it, or undefined when only `yaml` can tell. */
export function parseYamlFast(source: string): { readonly value: unknown } | undefined {
  // `%YAML 1.1` switches `yaml` to another schema; `%TAG` renames tags. Rare in specs: left to `yaml`.
  if (/^%/m.test(source)) return undefined;
  const schema = yamlCoreSchema();
  let warned = false;
  let value: unknown;
  try {
    value = load(source, { schema, onWarning: () => (warned = true) });
  } catch {
    return undefined;
  }
  try {
    if (warned || !keysAsYamlSpellsThem(value)) return undefined;
  } catch {
    // Nested deeper than the check can follow: `yaml` reports that, located.
    return undefined;
  }
  return { value };
}

/**
 * False when a key may read differently under `yaml` (a null key is `null` in js-yaml and `` in `yaml`; a sequence
 * or mapping key is `a,b` or `[object Object]` in js-yaml and flow YAML in `yaml`), or when an alias makes a cycle
 * (`yaml` reports that as an error). Each object is visited once, so aliases repeated many times cost nothing.
 */
function keysAsYamlSpellsThem(root: unknown): boolean {
  const done = new Set<object>();
  const open = new Set<object>();
  const visit = (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null || done.has(value)) return true;
    if (open.has(value)) return false;
    open.add(value);
    const children = Array.isArray(value) ? value : Object.values(value);
    if (!Array.isArray(value)) {
      for (const key of Object.keys(value)) if (key === 'null' || key === '[object Object]' || key.includes(',')) return false;
    }
    for (const child of children) if (!visit(child)) return false;
    open.delete(value);
    done.add(value);
    return true;
  };
  return visit(root);
}
