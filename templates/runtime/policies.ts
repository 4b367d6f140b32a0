/**
 * Object-level policies in Cedar (https://docs.cedarpolicy.com/): the `*.cedar` files of the project's `policies/`
 * folder, validated against `policies/schema.cedarschema` (strict mode) when the server starts, parsed once, and
 * evaluated on every tools/call once scopes, roles, bindings and argument validation have passed.
 *
 * The request is principal = Caller::"<sub>" (sub, client_id, roles, scopes and the schema's claims), action =
 * Action::"<tool name>", resource = Tool::"<tool name>", context = { args } with only the arguments the schema types.
 * Cedar denies unless a policy permits and no `forbid` applies; a policy that errors while evaluated is skipped by
 * Cedar, so any evaluation error is a denial here (fail closed). When the policies permit everything unconditionally
 * (the generated base policy alone), nothing is evaluated per call.
 */

import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import type { PolicyRefusalReason } from './audit-reasons.js';
import type { Caller } from './caller.js';
import { claimAt } from './claims.js';
import { PortcullisError } from './errors.js';

import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';

type Cedar = typeof import('@cedar-policy/cedar-wasm/nodejs');
type TypeNode = { readonly type?: string; readonly name?: string; readonly element?: TypeNode; readonly attributes?: Readonly<Record<string, TypeNode & { readonly required?: boolean }>> };

/** The schema file, and the folder as named in messages. */
export const POLICY_SCHEMA_FILE = 'schema.cedarschema';
export const POLICY_FOLDER = 'policies';

/** One file of the policies folder: its path as shown in messages (`policies/local.cedar`) and its text. */
export interface PolicyFile {
  readonly path: string;
  readonly text: string;
}

/** A located problem in a policy or the schema: `policies/local.cedar:3: message`. */
export interface PolicyProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** The policies folder could not be used: every problem, located. */
export class PolicyError extends PortcullisError {
  constructor(readonly problems: readonly PolicyProblem[]) {
    super('ERR_POLICY', problems.map(formatPolicyProblem).join('\n'));
  }
}

/** `file:line: message` (`file: message` for a problem of the whole file or folder, line 0). */
export function formatPolicyProblem(problem: PolicyProblem): string {
  return `${problem.file}${problem.line > 0 ? `:${problem.line}` : ''}: ${problem.message}`;
}


export type PolicyDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: PolicyRefusalReason; readonly policyId?: string };

/** The loaded policies of a server. */
export interface PolicyEngine {
  /** The decision on `caller` calling `tool` with the validated arguments `args`. */
  decide(caller: Caller, tool: string, args: unknown): PolicyDecision;
}

/** The tool error of a call the policies refuse: it reveals no policy text. */
export const POLICY_REFUSAL_MESSAGE = "This call is not allowed by the server's access policies for this caller and these arguments.";

let cedarModule: Promise<Cedar> | undefined;

/** The Cedar engine (WebAssembly), loaded on first use only. */
function cedar(): Promise<Cedar> {
  cedarModule ??= import('@cedar-policy/cedar-wasm/nodejs');
  return cedarModule;
}

/** Reads the schema and every `*.cedar` file (sorted by name) of the folder at `folder`; a missing schema is a problem. */
export async function readPolicyFolder(folder: URL | string, shownAs = POLICY_FOLDER): Promise<{ schema: PolicyFile; policies: PolicyFile[] }> {
  const dir = typeof folder === 'string' ? folder : fileURLToPath(folder);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new PolicyError([{ file: shownAs, line: 0, message: `cannot read the policies folder (${error.code ?? error.message})` }]);
  });
  const read = async (name: string): Promise<PolicyFile> => ({ path: `${shownAs}/${name}`, text: await readFile(`${dir}/${name}`, 'utf8') });
  if (!names.includes(POLICY_SCHEMA_FILE)) throw new PolicyError([{ file: `${shownAs}/${POLICY_SCHEMA_FILE}`, line: 0, message: 'the Cedar schema is missing: regenerate the project' }]);
  const policies = await Promise.all(names.filter((name) => name.endsWith('.cedar')).sort().map(read));
  return { schema: await read(POLICY_SCHEMA_FILE), policies };
}

/** Every problem of `policies` against `schema`: syntax, strict validation, duplicate @id; empty when they are valid. */
export async function checkPolicies(schema: PolicyFile, policies: readonly PolicyFile[]): Promise<PolicyProblem[]> {
  const engine = await cedar();
  // A file of unconditional permits only (the generated base policy) or of comments only reads no attribute, so the
  // schema cannot reject it: it is not validated, which spares a large API's schema (megabytes for thousands of tools,
  // seconds per validation) from being parsed at every start while the project has no policies of its own.
  const checked = policies.filter((file) => !permitsOnly(engine, file.text));
  if (checked.length === 0) return duplicateIds(engine, policies);
  const parsedSchema = engine.checkParseSchema(schema.text);
  if (parsedSchema.type === 'failure') return parsedSchema.errors.map((error) => located(schema, error));
  const problems: PolicyProblem[] = [];
  for (const file of checked) {
    const answer = engine.validate({ schema: schema.text, policies: { staticPolicies: file.text }, validationSettings: { mode: 'strict' } });
    if (answer.type === 'failure') problems.push(...answer.errors.map((error) => located(file, error)));
    else problems.push(...answer.validationErrors.map((error) => located(file, error.error)));
  }
  if (problems.length === 0) problems.push(...duplicateIds(engine, policies));
  return problems;
}

/** Whether `text` parses to nothing but unconditional permits (or to no policy at all). */
function permitsOnly(engine: Cedar, text: string): boolean {
  const answer = engine.policySetTextToParts(text);
  return answer.type === 'success' && answer.policies.every((policy) => permitsEverything(engine, policy));
}

/** Loads, checks and parses the policies of the folder at `folder` once; undefined when they permit everything. Throws PolicyError. */
export async function loadPolicies(folder: URL | string, shownAs = POLICY_FOLDER): Promise<PolicyEngine | undefined> {
  const { schema, policies } = await readPolicyFolder(folder, shownAs);
  const problems = await checkPolicies(schema, policies);
  if (problems.length > 0) throw new PolicyError(problems);
  const engine = await cedar();
  const parts = policyParts(engine, policies);
  // The generated base policy alone (or only unconditional permits): every call is allowed, so none is evaluated.
  if (parts.every((part) => permitsEverything(engine, part.text))) return undefined;
  const setId = `portcullis-${++policySets}`;
  const parsed = engine.preparsePolicySet(setId, { staticPolicies: Object.fromEntries(parts.map((part) => [part.id, part.text])) });
  if (parsed.type === 'failure') throw new PolicyError(parsed.errors.map((error) => ({ file: POLICY_FOLDER, line: 0, message: error.message })));
  const types = requestTypes(engine, schema.text);
  avoidNode20DeoptimizerAbort();
  return {
    decide(caller, tool, args) {
      const principal = { type: 'Caller', id: caller.subject ?? '' };
      const answer = engine.statefulIsAuthorized({
        principal,
        action: { type: 'Action', id: tool },
        resource: { type: 'Tool', id: tool },
        context: { args: projectArguments(args, types.args.get(tool)) },
        preparsedPolicySetId: setId,
        entities: [{ uid: principal, attrs: callerAttributes(caller, types.claims), parents: [] }],
      });
      if (answer.type === 'failure') return { allowed: false, reason: 'policy_error' };
      const { decision, diagnostics } = answer.response;
      // Cedar skips a policy it cannot evaluate (a missing attribute, an overflow): that could hide a forbid.
      if (diagnostics.errors.length > 0) return { allowed: false, reason: 'policy_error', policyId: diagnostics.errors[0]!.policyId };
      if (decision === 'allow') return { allowed: true };
      return { allowed: false, reason: 'policy', ...(diagnostics.reason.length > 0 ? { policyId: [...diagnostics.reason].sort()[0]! } : {}) };
    },
  };
}

let policySets = 0;

/**
 * Node 20's V8 (11.3) aborts the whole process — "Fatal error … unreachable code" in
 * Deoptimizer::DoComputeBuiltinContinuation — after about 10^5 policy evaluations, when TurboFan has inlined across
 * this module and the Cedar WebAssembly glue and then deoptimizes. Measured here: reproducible on Node 20.20, absent
 * on Node 22.23 and 24.22, and absent on Node 20 with TurboFan's inlining off, which this turns off for the rest of
 * the process (a cost paid only on Node 20, and only when policies are evaluated). The image runs a newer Node.
 */
function avoidNode20DeoptimizerAbort(): void {
  if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--no-turbo-inlining');
}

/** Each policy of each file with its id: its `@id` annotation, else `<file>:<line>`. */
function policyParts(engine: Cedar, files: readonly PolicyFile[]): { id: string; text: string }[] {
  const parts: { id: string; text: string }[] = [];
  for (const file of files) {
    const answer = engine.policySetTextToParts(file.text);
    if (answer.type === 'failure') throw new PolicyError(answer.errors.map((error) => located(file, error)));
    let from = 0;
    for (const text of answer.policies) {
      const at = file.text.indexOf(text, from);
      if (at >= 0) from = at + text.length;
      parts.push({ id: annotationId(engine, text) ?? `${file.path}:${at >= 0 ? lineAt(file.text, at) : parts.length + 1}`, text });
    }
  }
  return parts;
}

/** Policies sharing an @id, located at the second one: the audit must name one policy. */
function duplicateIds(engine: Cedar, files: readonly PolicyFile[]): PolicyProblem[] {
  const seen = new Map<string, string>();
  const problems: PolicyProblem[] = [];
  for (const file of files) {
    const answer = engine.policySetTextToParts(file.text);
    if (answer.type === 'failure') continue;
    let from = 0;
    for (const text of answer.policies) {
      const at = Math.max(file.text.indexOf(text, from), 0);
      from = at + text.length;
      const id = annotationId(engine, text);
      if (id === undefined) continue;
      const line = lineAt(file.text, at);
      const first = seen.get(id);
      if (first !== undefined) problems.push({ file: file.path, line, message: `@id("${id}") is already used at ${first}; give each policy its own @id, the audit names it` });
      else seen.set(id, `${file.path}:${line}`);
    }
  }
  return problems;
}

/** The `@id` annotation of one policy's text. */
function annotationId(engine: Cedar, text: string): string | undefined {
  const json = engine.policyToJson(text);
  return json.type === 'success' ? json.json.annotations?.id : undefined;
}

/** Whether one policy is `permit (principal, action, resource);` without conditions. */
function permitsEverything(engine: Cedar, text: string): boolean {
  const json = engine.policyToJson(text);
  if (json.type !== 'success') return false;
  const { effect, principal, action, resource, conditions } = json.json;
  return effect === 'permit' && principal.op === 'All' && action.op === 'All' && resource.op === 'All' && conditions.length === 0;
}

/** The schema's types of each action's `context.args`, and of the caller's claims. */
function requestTypes(engine: Cedar, schemaText: string): { args: Map<string, TypeNode>; claims: TypeNode | undefined } {
  const answer = engine.schemaToJson(schemaText);
  if (answer.type === 'failure') throw new PolicyError(answer.errors.map((error) => ({ file: `${POLICY_FOLDER}/${POLICY_SCHEMA_FILE}`, line: 0, message: error.message })));
  const namespace = (answer.json[''] ?? { entityTypes: {}, actions: {} }) as { entityTypes: Record<string, { shape?: TypeNode }>; actions: Record<string, { appliesTo?: { context?: TypeNode } }> };
  const args = new Map<string, TypeNode>();
  for (const [name, action] of Object.entries(namespace.actions)) {
    const type = action.appliesTo?.context?.attributes?.args;
    if (type) args.set(name, type);
  }
  return { args, claims: namespace.entityTypes.Caller?.shape?.attributes?.claims };
}

/** The caller as a Cedar entity's attributes; a claim that is not a string is left out (the schema types claims as String). */
function callerAttributes(caller: Caller, claimsType: TypeNode | undefined): Record<string, CedarValueJson> {
  const claims: [string, string][] = [];
  for (const path of Object.keys(claimsType?.attributes ?? {})) {
    const value = caller.claims === undefined ? undefined : claimAt(caller.claims, path);
    if (typeof value === 'string') claims.push([path, value]);
  }
  return {
    ...(caller.subject === undefined ? {} : { sub: caller.subject }),
    ...(caller.clientId === undefined ? {} : { client_id: caller.clientId }),
    roles: [...caller.roles],
    scopes: [...caller.scopes],
    claims: Object.fromEntries(claims),
  };
}

/** The arguments as the schema types them: other keys dropped, a value of another type dropped (and then absent). */
export function projectArguments(args: unknown, type: TypeNode | undefined): Record<string, CedarValueJson> {
  const projected = type === undefined ? undefined : project(args, type);
  return typeof projected === 'object' && projected !== null && !Array.isArray(projected) ? (projected as Record<string, CedarValueJson>) : {};
}

const DROP = Symbol('drop');

function project(value: unknown, type: TypeNode): unknown {
  const name = type.type === 'EntityOrCommon' ? type.name : type.type;
  switch (name) {
    case 'String':
      return typeof value === 'string' ? value : DROP;
    case 'Long':
      return Number.isSafeInteger(value) ? value : DROP;
    case 'Bool':
      return typeof value === 'boolean' ? value : DROP;
    case 'Set': {
      if (!Array.isArray(value) || type.element === undefined) return DROP;
      const items = value.map((item) => project(item, type.element!));
      return items.includes(DROP) ? DROP : items;
    }
    case 'Record': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return DROP;
      const entries: [string, unknown][] = [];
      for (const [key, attribute] of Object.entries(type.attributes ?? {})) {
        if (!Object.hasOwn(value, key)) continue;
        const item = project((value as Record<string, unknown>)[key], attribute);
        if (item !== DROP) entries.push([key, item]);
      }
      return Object.fromEntries(entries);
    }
    default:
      return DROP;
  }
}

/** `npm run check:policies`: prints each problem of the folder at `folder` as `file:line: message`; the exit code. */
export async function runCheckPolicies(folder: URL | string, write: { stdout(text: string): void; stderr(text: string): void }): Promise<number> {
  try {
    const { schema, policies } = await readPolicyFolder(folder);
    const problems = await checkPolicies(schema, policies);
    for (const problem of problems) write.stderr(`${formatPolicyProblem(problem)}\n`);
    if (problems.length > 0) return 1;
    write.stdout(`${policies.length} policy ${policies.length === 1 ? 'file is' : 'files are'} valid against ${POLICY_FOLDER}/${POLICY_SCHEMA_FILE}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    write.stderr(`${error.message}\n`);
    return 1;
  }
}

/** A Cedar error at its first source location (a byte offset into `file`), with Cedar's hint ("did you mean"). */
function located(file: PolicyFile, error: { message: string; help?: string | null; sourceLocations?: readonly { start: number }[] }): PolicyProblem {
  const offset = error.sourceLocations?.[0]?.start;
  const line = offset === undefined ? 1 : lineAt(Buffer.from(file.text, 'utf8').subarray(0, offset).toString('utf8'), offset);
  const message = error.message.replace(/^for policy `policy\d+`, /, '');
  return { file: file.path, line, message: error.help ? `${message} (${error.help})` : message };
}

/** The 1-based line of character `index` of `text` (all of `text` when index is past its end). */
function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < Math.min(index, text.length); i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
