/**
 * The config's `upstream` section: Security Scheme Objects and a Security Requirement list for an API whose
 * description declares no security, and headers sent on every call. Checks what can be checked without the spec;
 * the model checks the rest (a scheme named in `security` but declared nowhere, a name in both places).
 * @see https://spec.openapis.org/oas/v3.1.0#security-scheme-object
 * @see https://spec.openapis.org/oas/v3.1.0#security-requirement-object
 */
import { componentKeyProblem, describeCharacter, scopeNameIssue, sentNameProblem } from '../normalize/names.js';
import { FIXED_HEADER_FORBIDDEN } from '../../templates/runtime/definition.js';
import { isRecord } from '../shared/guards.js';
import { pointerJoin } from '../shared/json-pointer.js';

type Fail = (pointer: string, message: string, hint: string) => void;

const UPSTREAM_KEYS = ['securitySchemes', 'security', 'headers'];
const SCHEME_KEYS: Readonly<Record<string, readonly string[]>> = {
  apiKey: ['type', 'description', 'in', 'name'],
  http: ['type', 'description', 'scheme', 'bearerFormat'],
  oauth2: ['type', 'description', 'flows'],
};
const SCHEME_EXAMPLE = 'For example { type: http, scheme: bearer }, { type: apiKey, in: header, name: X-Api-Key } or { type: oauth2, flows: { clientCredentials: { tokenUrl: https://auth.example.com/token } } }.';
const AT = '#/upstream';

/** Validates `upstream`; `fail` receives every problem located in the config file. */
export function checkUpstream(upstream: unknown, fail: Fail): void {
  if (!isRecord(upstream)) {
    fail(AT, 'must be an object with securitySchemes, security and headers', 'For example upstream: { securitySchemes: { token: { type: http, scheme: bearer } }, security: [{ token: [] }] }.');
    return;
  }
  for (const key of Object.keys(upstream)) {
    if (!UPSTREAM_KEYS.includes(key)) fail(pointerJoin(AT, key), `unknown key "${key}"`, `Allowed keys: ${UPSTREAM_KEYS.join(', ')}.`);
  }
  const credentialHeaders = new Set<string>();
  if (upstream.securitySchemes !== undefined) checkSchemes(upstream.securitySchemes, credentialHeaders, fail);
  if (upstream.security !== undefined) checkSecurity(upstream.security, fail);
  if (upstream.headers !== undefined) checkHeaders(upstream.headers, credentialHeaders, fail);
}

function checkSchemes(schemes: unknown, credentialHeaders: Set<string>, fail: Fail): void {
  const at = pointerJoin(AT, 'securitySchemes');
  if (!isRecord(schemes)) {
    fail(at, 'must map scheme names to Security Scheme Objects', `For example securitySchemes: { token: { type: http, scheme: bearer } }.`);
    return;
  }
  for (const [name, scheme] of Object.entries(schemes)) {
    const here = pointerJoin(at, name);
    const problem = componentKeyProblem(name);
    if (problem) {
      fail(here, `security scheme name ${JSON.stringify(name)} ${problem}; scheme names may only use A-Z, a-z, 0-9, ".", "-" and "_"`, 'Rename it, and every requirement in upstream.security that names it.');
    }
    checkScheme(scheme, here, credentialHeaders, fail);
  }
}

/** One Security Scheme Object of the kinds this server can use upstream: apiKey, http basic/bearer, OAuth2 client credentials. */
function checkScheme(scheme: unknown, at: string, credentialHeaders: Set<string>, fail: Fail): void {
  if (!isRecord(scheme) || typeof scheme.type !== 'string' || !Object.hasOwn(SCHEME_KEYS, scheme.type)) {
    fail(isRecord(scheme) ? pointerJoin(at, 'type') : at, 'must be a Security Scheme Object of type apiKey, http or oauth2', SCHEME_EXAMPLE);
    return;
  }
  const allowed = SCHEME_KEYS[scheme.type]!;
  for (const key of Object.keys(scheme)) {
    if (!allowed.includes(key)) fail(pointerJoin(at, key), `unknown key "${key}" for type ${scheme.type}`, `Allowed keys: ${allowed.join(', ')}.`);
  }
  if (scheme.description !== undefined && typeof scheme.description !== 'string') fail(pointerJoin(at, 'description'), 'must be a string', 'Write the description as text.');
  switch (scheme.type) {
    case 'apiKey': {
      const location = scheme.in;
      if (location !== 'header' && location !== 'query' && location !== 'cookie') {
        fail(pointerJoin(at, 'in'), 'must be header, query or cookie', 'For example in: header.');
      }
      if (typeof scheme.name !== 'string') {
        fail(pointerJoin(at, 'name'), 'missing: the name the key is sent under', 'For example name: X-Api-Key.');
      } else if (location === 'header' || location === 'query' || location === 'cookie') {
        const problem = sentNameProblem(location, scheme.name, `API key ${location} name`);
        if (problem) fail(pointerJoin(at, 'name'), problem.message, problem.hint);
        if (location === 'header') credentialHeaders.add(scheme.name.toLowerCase());
      }
      return;
    }
    case 'http':
      if (typeof scheme.scheme !== 'string' || !['basic', 'bearer'].includes(scheme.scheme.toLowerCase())) {
        fail(pointerJoin(at, 'scheme'), 'must be basic or bearer (the HTTP authentication schemes this server can send)', 'For example scheme: bearer.');
      }
      if (scheme.bearerFormat !== undefined && typeof scheme.bearerFormat !== 'string') fail(pointerJoin(at, 'bearerFormat'), 'must be a string', 'For example bearerFormat: JWT.');
      return;
    case 'oauth2':
      checkFlows(scheme.flows, pointerJoin(at, 'flows'), fail);
  }
}

/** OAuth2 upstream: only the client credentials flow (RFC 6749 §4.4) lets a server obtain tokens on its own. */
function checkFlows(flows: unknown, at: string, fail: Fail): void {
  const example = 'For example flows: { clientCredentials: { tokenUrl: https://auth.example.com/token, scopes: { api:read: Read } } }.';
  if (!isRecord(flows) || !isRecord(flows.clientCredentials)) {
    fail(at, 'must have a clientCredentials flow (the only one a server can use on its own)', example);
    return;
  }
  for (const key of Object.keys(flows)) {
    if (key !== 'clientCredentials') fail(pointerJoin(at, key), `unsupported flow "${key}"`, 'Use clientCredentials: the server cannot take part in a flow that needs a user.');
  }
  const flow = flows.clientCredentials;
  const here = pointerJoin(at, 'clientCredentials');
  for (const key of Object.keys(flow)) {
    if (key !== 'tokenUrl' && key !== 'scopes') fail(pointerJoin(here, key), `unknown key "${key}"`, 'Allowed keys: tokenUrl, scopes.');
  }
  if (typeof flow.tokenUrl !== 'string' || !isHttpUrl(flow.tokenUrl)) {
    fail(pointerJoin(here, 'tokenUrl'), 'must be an absolute http or https URL', example);
  }
  if (flow.scopes !== undefined) {
    if (!isRecord(flow.scopes) || !Object.values(flow.scopes).every((text) => typeof text === 'string')) {
      fail(pointerJoin(here, 'scopes'), 'must map scope names to descriptions', example);
    } else {
      for (const scope of Object.keys(flow.scopes)) {
        const issue = scopeNameIssue(scope);
        if (issue) fail(pointerJoin(here, 'scopes', scope), issue.message, issue.hint);
      }
    }
  }
}

/** A list of Security Requirement Objects: scheme name → the scopes the server asks for (lists of strings). */
function checkSecurity(security: unknown, fail: Fail): void {
  const at = pointerJoin(AT, 'security');
  const example = 'For example security: [{ token: [] }] (one scheme) or [{ key: [] }, { oauth: [api:read] }] (any one of them).';
  if (!Array.isArray(security) || security.length === 0) {
    fail(at, 'must be a non-empty list of security requirements', example);
    return;
  }
  security.forEach((requirement, index) => {
    const here = pointerJoin(at, index);
    if (!isRecord(requirement) || Object.keys(requirement).length === 0) {
      fail(here, 'must be an object naming one or more security schemes', example);
      return;
    }
    for (const [scheme, scopes] of Object.entries(requirement)) {
      const there = pointerJoin(here, scheme);
      if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string')) {
        fail(there, 'must be a list of scopes (empty for schemes other than oauth2)', example);
        continue;
      }
      scopes.forEach((scope: string, i) => {
        const issue = scopeNameIssue(scope);
        if (issue) fail(pointerJoin(there, i), issue.message, issue.hint);
      });
    }
  });
}

/**
 * Headers sent on every call: RFC 9110 field names whose values are printable ASCII without leading or trailing
 * white space, never one that carries credentials, frames the message or is hop-by-hop.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.5
 */
function checkHeaders(headers: unknown, credentialHeaders: ReadonlySet<string>, fail: Fail): void {
  const at = pointerJoin(AT, 'headers');
  if (!isRecord(headers)) {
    fail(at, 'must map header names to values', "For example headers: { Notion-Version: '2022-06-28' }.");
    return;
  }
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const here = pointerJoin(at, name);
    const lower = name.toLowerCase();
    const problem = sentNameProblem('header', name, 'header name');
    if (problem) fail(here, problem.message, problem.hint);
    else if (FIXED_HEADER_FORBIDDEN.includes(lower)) {
      fail(here, `header ${JSON.stringify(name)} cannot be a fixed header: it carries credentials, frames the message or is hop-by-hop`, 'Remove it; upstream credentials belong in upstream.securitySchemes and upstream.security.');
    } else if (credentialHeaders.has(lower)) {
      fail(here, `header ${JSON.stringify(name)} is the one an API key of upstream.securitySchemes is sent in`, 'Remove it: the credential sets this header.');
    } else if (seen.has(lower)) {
      fail(here, `header ${JSON.stringify(name)} is also given as ${JSON.stringify(seen.get(lower))} (header names are case-insensitive)`, 'Keep one of them.');
    }
    seen.set(lower, name);
    const valueProblem = headerValueProblem(value);
    if (valueProblem) fail(here, `the value ${valueProblem}`, "Write it as a quoted string of printable ASCII, e.g. '2022-06-28'.");
  }
}

/** What is wrong with a fixed header's value, or undefined: a string of printable ASCII (and tabs), not padded. */
export function headerValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string, not ${value === null ? 'null' : typeof value}`;
  if (value.length === 0) return 'is empty';
  for (const character of value) {
    if (!(character === '\t' || (character >= ' ' && character <= '~'))) return `contains ${describeCharacter(character)}`;
  }
  if (value.trim() !== value) return 'begins or ends with white space';
  return undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}
