/** Reads and validates the portcullis config file, reporting every problem with its JSON pointer. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { ConfigError, type Issue, pointerJoin } from '../errors.js';
import { roleNameIssue, scopeNameIssue } from '../normalize/names.js';
import type { OperationSelector, PortcullisConfig } from './types.js';

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'];
const SELECTOR_KEYS = ['tags', 'operations', 'paths', 'methods'];
const TOP_KEYS = ['name', 'include', 'exclude', 'roles', 'scopes'];
/** npm package names: lower case, URL-safe, optionally scoped. */
const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** Loads `file` (YAML or JSON); throws ConfigError with every located problem. */
export async function loadConfig(file: string): Promise<PortcullisConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      issue(file, '#', `cannot read the config file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'Check the path given to --config.', 'ERR_CONFIG_READ'),
    ]);
  }
  // Loaded here only: most runs read no config file.
  const { parse: parseYaml } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const firstLine = String((error as Error).message).split('\n')[0];
    throw new ConfigError([issue(file, '#', `not valid YAML or JSON: ${firstLine}`, 'Fix the syntax at the position shown.', 'ERR_CONFIG_READ')]);
  }
  return parseConfig(value ?? {}, file);
}

/** Validates an already parsed config object; pure. */
export function parseConfig(value: unknown, file: string): PortcullisConfig {
  const issues: Issue[] = [];
  const fail = (pointer: string, message: string, hint: string) => issues.push(issue(file, pointer, message, hint));

  if (!isRecord(value)) {
    fail('#', 'the config must be an object', `Allowed keys: ${TOP_KEYS.join(', ')}.`);
    throw new ConfigError(issues);
  }
  for (const key of Object.keys(value)) {
    if (!TOP_KEYS.includes(key)) fail(pointerJoin('#', key), `unknown key "${key}"`, `Allowed keys: ${TOP_KEYS.join(', ')}.`);
  }
  if (value.name !== undefined && (typeof value.name !== 'string' || !PACKAGE_NAME.test(value.name))) {
    fail('#/name', 'must be a valid npm package name', 'Use lower case letters, digits, "-" and "."; for example name: petstore-mcp.');
  }
  for (const key of ['include', 'exclude'] as const) {
    if (value[key] !== undefined) checkSelector(value[key], pointerJoin('#', key), fail);
  }
  if (value.roles !== undefined) {
    if (!isRecord(value.roles)) fail('#/roles', 'must map role names to selectors', 'For example roles: { admin: { tags: [admin] } }.');
    else {
      for (const [role, selector] of Object.entries(value.roles)) {
        const problem = roleNameIssue(role);
        if (problem) fail(pointerJoin('#/roles', role), problem.message, problem.hint);
        checkSelector(selector, pointerJoin('#/roles', role), fail);
      }
    }
  }
  if (value.scopes !== undefined) checkScopes(value.scopes, fail);

  if (issues.length > 0) throw new ConfigError(issues);
  return value as PortcullisConfig;
}

type Fail = (pointer: string, message: string, hint: string) => void;

function checkSelector(selector: unknown, pointer: string, fail: Fail): asserts selector is OperationSelector {
  if (!isRecord(selector)) {
    fail(pointer, 'must be an object with tags, operations, paths or methods', 'For example { tags: [pets], methods: [GET] }.');
    return;
  }
  for (const [key, list] of Object.entries(selector)) {
    const at = pointerJoin(pointer, key);
    if (!SELECTOR_KEYS.includes(key)) {
      fail(at, `unknown key "${key}"`, `Allowed keys: ${SELECTOR_KEYS.join(', ')}.`);
    } else if (!isStringList(list)) {
      fail(at, 'must be a list of strings', `For example ${key}: [${key === 'methods' ? 'GET' : '...'}].`);
    } else if (key === 'methods') {
      list.forEach((m, i) => {
        if (!METHODS.includes(m)) fail(pointerJoin(at, i), `unknown HTTP method "${m}"`, `Use one of ${METHODS.join(', ')}.`);
      });
    } else if (key === 'paths') {
      list.forEach((p, i) => {
        if (!p.startsWith('/')) fail(pointerJoin(at, i), `path pattern "${p}" does not start with "/"`, 'Write it as in the spec, e.g. /pets/*.');
      });
    }
  }
}

function checkScopes(scopes: unknown, fail: Fail): void {
  if (!isRecord(scopes)) {
    fail('#/scopes', 'must be an object with rename and implies', 'For example scopes: { rename: { "write:pets": pets.write } }.');
    return;
  }
  for (const key of Object.keys(scopes)) {
    if (key !== 'rename' && key !== 'implies') fail(pointerJoin('#/scopes', key), `unknown key "${key}"`, 'Allowed keys: rename, implies.');
  }
  if (scopes.rename !== undefined) {
    if (!isRecord(scopes.rename) || !Object.values(scopes.rename).every((v) => typeof v === 'string' && v.length > 0)) {
      fail('#/scopes/rename', 'must map scope names to non-empty scope names', 'For example rename: { "write:pets": pets.write }.');
    } else {
      for (const [from, to] of Object.entries(scopes.rename)) checkScopeNames([from, to as string], pointerJoin('#/scopes/rename', from), fail);
    }
  }
  if (scopes.implies !== undefined) {
    if (!isRecord(scopes.implies) || !Object.values(scopes.implies).every(isStringList)) {
      fail('#/scopes/implies', 'must map a scope to the list of scopes it implies', 'For example implies: { pets.admin: [pets.read, pets.write] }.');
    } else {
      for (const [broader, narrower] of Object.entries(scopes.implies)) {
        const at = pointerJoin('#/scopes/implies', broader);
        checkScopeNames([broader], at, fail);
        (narrower as string[]).forEach((scope, index) => checkScopeNames([scope], pointerJoin(at, index), fail));
      }
    }
  }
}

/**
 * Every scope the config names must be one an access token can carry.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
function checkScopeNames(scopes: readonly string[], pointer: string, fail: Fail): void {
  for (const scope of new Set(scopes)) {
    const problem = scopeNameIssue(scope);
    if (problem) fail(pointer, problem.message, problem.hint);
  }
}

function issue(file: string, pointer: string, message: string, hint: string, code: Issue['code'] = 'ERR_CONFIG_INVALID'): Issue {
  return { code, severity: 'error', file, pointer, message, hint };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0);
}
