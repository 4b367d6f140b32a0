/** Reads and validates the portcullis config file, reporting every problem with its JSON pointer. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { ConfigError, type ErrorCode, type ErrorIssue, type Issue } from '../errors.js';
import { claimPathIssue, roleNameIssue, scopeNameIssue } from '../normalize/names.js';
import { isRecord } from '../shared/guards.js';
import { HTTP_METHODS, isHttpMethod } from '../shared/http-method.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { isPackageName } from '../shared/package-name.js';
import type { OperationSelector, PortcullisConfig, ToolModeConfig } from './types.js';
import { checkUpstream } from './upstream.js';

/** The file each validated config was read from, for locating issues found later (e.g. a rule that matches nothing). */
const CONFIG_FILES = new WeakMap<PortcullisConfig, string>();

/** The file a config returned by parseConfig/loadConfig came from. */
export function configFileOf(config: PortcullisConfig): string | undefined {
  return CONFIG_FILES.get(config);
}

const SELECTOR_KEYS = ['tags', 'operations', 'paths', 'methods'];
const TOP_KEYS = ['name', 'include', 'exclude', 'roles', 'scopes', 'unprotected', 'public', 'upstream', 'bind', 'policies', 'confirm', 'toolMode'];
const SCOPES_KEYS = ['rename', 'implies', 'require'];
const RULE_KEYS = ['scopes', 'override', 'all', ...SELECTOR_KEYS];
const UNPROTECTED_MODES = ['expose', 'exclude', 'error'];
const TOOL_MODES: readonly ToolModeConfig[] = ['direct', 'discovery', 'auto'];

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
  if (value.name !== undefined && (typeof value.name !== 'string' || !isPackageName(value.name))) {
    fail('#/name', 'must be a valid npm package name', 'Use lower case letters, digits, "-" and "."; for example name: petstore-mcp.');
  }
  if (value.unprotected !== undefined && !UNPROTECTED_MODES.includes(value.unprotected as string)) {
    fail('#/unprotected', `must be one of ${UNPROTECTED_MODES.join(', ')}`, 'For example unprotected: exclude (operations without scopes or roles are left out).');
  }
  if (value.toolMode !== undefined && !TOOL_MODES.includes(value.toolMode as ToolModeConfig)) {
    fail('#/toolMode', `must be one of ${TOOL_MODES.join(', ')}`, 'For example toolMode: discovery (the emitted server offers search_tools, describe_tool and call_tool; TOOL_MODE still overrides it).');
  }
  for (const key of ['include', 'exclude', 'public'] as const) {
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
  if (value.upstream !== undefined) checkUpstream(value.upstream, fail);
  if (value.bind !== undefined) checkBind(value.bind, fail);
  if (value.policies !== undefined) checkPolicies(value.policies, fail);
  if (value.confirm !== undefined) checkConfirm(value.confirm, fail);

  if (issues.length > 0) throw new ConfigError(issues);
  const config = value as PortcullisConfig;
  CONFIG_FILES.set(config, file);
  return config;
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
        if (!isHttpMethod(m)) fail(pointerJoin(at, i), `unknown HTTP method "${m}"`, `Use one of ${HTTP_METHODS.join(', ')}.`);
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
    if (!SCOPES_KEYS.includes(key)) fail(pointerJoin('#/scopes', key), `unknown key "${key}"`, `Allowed keys: ${SCOPES_KEYS.join(', ')}.`);
  }
  if (scopes.require !== undefined) checkRequire(scopes.require, fail);
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

const POLICIES_EXAMPLE = 'For example policies: { claims: [tenant, org.id] }.';

/** `policies`: `{ claims: [claim path, ...] }`. */
function checkPolicies(policies: unknown, fail: Fail): void {
  if (!isRecord(policies)) {
    fail('#/policies', 'must be an object with claims', POLICIES_EXAMPLE);
    return;
  }
  for (const key of Object.keys(policies)) {
    if (key !== 'claims') fail(pointerJoin('#/policies', key), `unknown key "${key}"`, `Allowed keys: claims. ${POLICIES_EXAMPLE}`);
  }
  const claims = policies.claims;
  if (claims === undefined) return;
  if (!isStringList(claims)) {
    fail('#/policies/claims', 'must be a list of claim paths', POLICIES_EXAMPLE);
    return;
  }
  const seen = new Set<string>();
  claims.forEach((claim, index) => {
    const at = pointerJoin('#/policies/claims', index);
    if (!/^[\x21-\x7e]{1,200}$/.test(claim)) fail(at, `claim path "${claim.slice(0, 200)}" must be 1 to 200 printable ASCII characters without spaces`, POLICIES_EXAMPLE);
    else if (seen.has(claim)) fail(at, `claim path "${claim}" is listed twice`, 'List each claim once.');
    seen.add(claim);
  });
}

const CONFIRM_EXAMPLE = 'For example confirm: { operations: [refundPayment], methods: [POST], arguments: { refundPayment: [paymentId] } }.';

/** `confirm`: a selector, `arguments` (operation → argument names) and `deletes` (boolean). */
function checkConfirm(confirm: unknown, fail: Fail): void {
  if (!isRecord(confirm)) {
    fail('#/confirm', 'must be an object with tags, operations, paths, methods, arguments or deletes', CONFIRM_EXAMPLE);
    return;
  }
  for (const key of Object.keys(confirm)) {
    if (key !== 'arguments' && key !== 'deletes' && !SELECTOR_KEYS.includes(key)) {
      fail(pointerJoin('#/confirm', key), `unknown key "${key}"`, `Allowed keys: ${[...SELECTOR_KEYS, 'arguments', 'deletes'].join(', ')}.`);
    }
  }
  const selector = Object.fromEntries(Object.entries(confirm).filter(([key]) => SELECTOR_KEYS.includes(key)));
  if (Object.keys(selector).length > 0) checkSelector(selector, '#/confirm', fail);
  if (confirm.deletes !== undefined && typeof confirm.deletes !== 'boolean') {
    fail('#/confirm/deletes', 'must be true or false', 'For example deletes: false (DELETE operations then need consent only when selected or marked x-mcp-confirm: true).');
  }
  const args = confirm.arguments;
  if (args === undefined) return;
  if (!isRecord(args)) {
    fail('#/confirm/arguments', 'must map operationIds to lists of argument names', CONFIRM_EXAMPLE);
    return;
  }
  for (const [operation, names] of Object.entries(args)) {
    const at = pointerJoin('#/confirm/arguments', operation);
    if (!isStringList(names)) fail(at, 'must be a list of argument names', `For example ${operation}: [id].`);
    else {
      names.forEach((name, index) => {
        if (names.indexOf(name) !== index) fail(pointerJoin(at, index), `argument "${name}" is listed twice`, 'List each argument once.');
      });
    }
  }
}

const BIND_EXAMPLE = 'For example bind: { tenantId: org.id, ownerId: { claim: sub, tags: [tickets] } }.';

/** `bind`: argument name → claim path, or `{ claim, ...selector }`. */
function checkBind(bind: unknown, fail: Fail): void {
  if (!isRecord(bind)) {
    fail('#/bind', 'must map parameter or body property names to claim paths', BIND_EXAMPLE);
    return;
  }
  for (const [name, entry] of Object.entries(bind)) {
    const at = pointerJoin('#/bind', name);
    if (name.length === 0) fail(at, 'the name to bind is empty', BIND_EXAMPLE);
    if (typeof entry === 'string') {
      const problem = claimPathIssue(entry);
      if (problem) fail(at, problem.message, problem.hint);
      continue;
    }
    if (!isRecord(entry)) {
      fail(at, 'must be a claim path, or an object with claim and a selector (tags, operations, paths, methods)', BIND_EXAMPLE);
      continue;
    }
    for (const key of Object.keys(entry)) {
      if (key !== 'claim' && !SELECTOR_KEYS.includes(key)) fail(pointerJoin(at, key), `unknown key "${key}"`, `Allowed keys: claim, ${SELECTOR_KEYS.join(', ')}.`);
    }
    if (entry.claim === undefined) fail(pointerJoin(at, 'claim'), 'missing: the claim path the value is taken from', BIND_EXAMPLE);
    else {
      const problem = claimPathIssue(entry.claim);
      if (problem) fail(pointerJoin(at, 'claim'), problem.message, problem.hint);
    }
    const selector = Object.fromEntries(Object.entries(entry).filter(([key]) => SELECTOR_KEYS.includes(key)));
    if (Object.keys(selector).length > 0) checkSelector(selector, at, fail);
  }
}

const RULE_EXAMPLE = 'For example require: [{ methods: [GET, HEAD], scopes: [api:read] }, { all: true, scopes: [api:write] }].';

/** `scopes.require`: an ordered list of rules, each with scopes, a selector (or `all: true`) and maybe `override`. */
function checkRequire(rules: unknown, fail: Fail): void {
  if (!Array.isArray(rules)) {
    fail('#/scopes/require', 'must be a list of rules', RULE_EXAMPLE);
    return;
  }
  rules.forEach((rule, index) => {
    const at = pointerJoin('#/scopes/require', index);
    if (!isRecord(rule)) {
      fail(at, 'must be an object with scopes and a selector (tags, operations, paths, methods) or all: true', RULE_EXAMPLE);
      return;
    }
    for (const key of Object.keys(rule)) {
      if (!RULE_KEYS.includes(key)) fail(pointerJoin(at, key), `unknown key "${key}"`, `Allowed keys: ${RULE_KEYS.join(', ')}.`);
    }
    checkRuleScopes(rule.scopes, pointerJoin(at, 'scopes'), fail);
    for (const flag of ['override', 'all'] as const) {
      if (rule[flag] !== undefined && typeof rule[flag] !== 'boolean') fail(pointerJoin(at, flag), 'must be true or false', `For example ${flag}: true.`);
    }
    const selector = Object.fromEntries(Object.entries(rule).filter(([key]) => SELECTOR_KEYS.includes(key)));
    const hasSelector = Object.keys(selector).length > 0;
    if (hasSelector) checkSelector(selector, at, fail);
    if (rule.all === true && hasSelector) {
      fail(pointerJoin(at, 'all'), 'all: true cannot be combined with tags, operations, paths or methods', 'Remove all: true, or remove the selector.');
    } else if (rule.all !== true && !hasSelector) {
      fail(at, 'the rule selects no operation', 'Add tags, operations, paths or methods, or all: true to apply it to every operation.');
    }
  });
}

/** A rule's scopes have the shape of `x-mcp-scopes` and name scopes a token can carry; `[]` would mean public. */
function checkRuleScopes(scopes: unknown, at: string, fail: Fail): void {
  const example = 'For example scopes: [api:read] (all of them) or scopes: [[api:read], [api:admin]] (any one list).';
  if (scopes === undefined) {
    fail(at, 'missing: the scopes this rule requires', example);
  } else if (!Array.isArray(scopes) || scopes.length === 0) {
    fail(at, 'must be a non-empty list of scopes, or a list of such lists', `${example} To make operations public on purpose, use public: instead.`);
  } else if (isStringList(scopes)) {
    scopes.forEach((scope, index) => checkScopeNames([scope], pointerJoin(at, index), fail));
  } else if (scopes.every((set) => isStringList(set) && set.length > 0)) {
    (scopes as string[][]).forEach((set, i) => set.forEach((scope, j) => checkScopeNames([scope], pointerJoin(at, i, j), fail)));
  } else {
    fail(at, 'must be a non-empty list of scopes, or a list of such lists', example);
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

function issue(file: string, pointer: string, message: string, hint: string, code: ErrorCode = 'ERR_CONFIG_INVALID'): ErrorIssue {
  return { code, severity: 'error', file, pointer, message, hint };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0);
}
