/**
 * Turns a validated tool call into the HTTP request its OpenAPI operation describes.
 *
 * Pure: no I/O. Every value that comes from a tool argument is percent-encoded (URLs), checked (headers, cookies)
 * or serialized (bodies) so that it can only ever be data: it can never change the scheme, host, port, path
 * structure, other query parameters, other headers or the request framing.
 */
import { FIXED_HEADER_FORBIDDEN } from './definition.js';
import type { BodyDefinition, ParameterDefinition, ToolDefinition } from './definition.js';
import { SettingError, ToolInputError } from './errors.js';

/** The request to send upstream; credentials are added to it afterwards (see credentials.ts). */
export interface UpstreamRequest {
  method: string;
  url: URL;
  headers: Headers;
  body?: string | Uint8Array | FormData;
}

type Style = ParameterDefinition['style'];

/**
 * Header names an argument may never set: hop-by-hop and framing headers (RFC 9110 §7.6.1, RFC 9112 §6), the ones
 * OpenAPI says to ignore as header parameters (Accept, Content-Type, Authorization; OAS 3.1 §4.8.12.1), and the ones
 * that carry the server's own credentials (Authorization, Cookie, Proxy-Authorization).
 */
const FORBIDDEN_HEADERS = new Set([
  'accept', 'authorization', 'connection', 'content-encoding', 'content-length', 'content-type', 'cookie', 'expect',
  'host', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade',
]);

/**
 * Longest request URL sent, in characters: four times the 8,000 octets RFC 9110 §4.1 asks every recipient to support,
 * and the most that common front ends accept (nginx, Apache and Node refuse far less). Arguments that would make a
 * longer URL are refused before they are serialized, so a huge array never becomes millions of encoded strings.
 */
export const MAX_URL_LENGTH = 32_768;
/** Longest header field value (and Cookie header) an argument may make: Node's default limit for a whole header section. */
export const MAX_HEADER_LENGTH = 16_384;
/**
 * Most fields (parts) in a form or multipart body: ten times the defaults of Express (`parameterLimit`), Django
 * (`DATA_UPLOAD_MAX_NUMBER_FIELDS`) and PHP (`max_input_vars`), so a huge array cannot become millions of parts.
 */
export const MAX_FORM_FIELDS = 10_000;

/** Builds the upstream request for `tool` from its (already validated) arguments; throws ToolInputError when it cannot. */
export function buildRequest(tool: ToolDefinition, args: Record<string, unknown>, baseUrl: string): UpstreamRequest {
  try {
    return requestFor(tool, args, baseUrl);
  } catch (error) {
    // JSON.stringify and the checks below recurse into the arguments; nesting deeper than the stack is the caller's.
    if (error instanceof RangeError) throw new ToolInputError('', 'the arguments are nested too deeply to be sent');
    throw error;
  }
}

/** buildRequest without the translation of stack overflows. */
function requestFor(tool: ToolDefinition, args: Record<string, unknown>, baseUrl: string): UpstreamRequest {
  const base = parseBaseUrl(baseUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  const path = expandPath(tool, args);
  const query = tool.parameters
    .filter((p) => p.in === 'query')
    .flatMap((p) => withArgument(p, args, (value) => queryPairs(p, value)));

  // String concatenation, never `new URL(path, base)`: resolution would let a path like `//evil.example` pick the host.
  const href = base.origin + basePath + (path.startsWith('/') ? path : `/${path}`) + (query.length ? `?${query.join('&')}` : '');
  if (href.length > MAX_URL_LENGTH) {
    throw new ToolInputError('', `the arguments would make a URL of ${href.length} characters; at most ${MAX_URL_LENGTH} are sent`);
  }
  const url = new URL(href);
  // Defence in depth: whatever went into the URL, it still points into the configured API.
  if (url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))) {
    throw new ToolInputError('', 'the arguments would move the request outside the upstream API');
  }

  const headers = new Headers();
  for (const p of tool.parameters) {
    if (p.in !== 'header' || FORBIDDEN_HEADERS.has(p.name.toLowerCase())) continue;
    withArgument(p, args, (value) => {
      rejectLineBreaks(p.argument, value);
      headers.set(p.name, checkHeaderValue(p.argument, headerValue(p, value)));
    });
  }
  setFixedHeaders(headers, tool.fixedHeaders ?? []);
  const cookies = tool.parameters
    .filter((p) => p.in === 'cookie')
    .flatMap((p) => withArgument(p, args, (value) => {
      rejectLineBreaks(p.argument, value);
      return cookiePairs(p, value).map((pair) => checkHeaderValue(p.argument, pair));
    }));
  if (cookies.length) {
    const cookie = cookies.join('; ');
    if (cookie.length > MAX_HEADER_LENGTH) throw new ToolInputError('', `the cookie arguments would make a Cookie header of ${cookie.length} characters; at most ${MAX_HEADER_LENGTH} are sent`);
    headers.set('cookie', cookie);
  }

  const request: UpstreamRequest = { method: tool.method, url, headers };
  if (tool.body) {
    const body = buildBody(tool.body, argumentValue(args, tool.body.argument), tool.method);
    if (body !== undefined) {
      request.body = body;
      // For multipart, fetch writes the Content-Type itself because only it knows the boundary.
      if (tool.body.encoding !== 'multipart') headers.set('content-type', tool.body.contentType);
    }
  }
  return request;
}

/**
 * The headers the server sends on every call, set over any argument of the same name (the generator removes such
 * arguments). Credentials are applied to the request afterwards, so they always win. A name that carries credentials,
 * frames the message or is hop-by-hop (RFC 9110 §7.6.1) is never set, whatever the definition says.
 */
function setFixedHeaders(headers: Headers, fixed: readonly (readonly [string, string])[]): void {
  for (const [name, value] of fixed) {
    if (FIXED_HEADER_FORBIDDEN.includes(name.toLowerCase())) continue;
    headers.set(name, value);
  }
}

/** Percent-encodes everything but RFC 3986 §2.3 unreserved characters (stricter than encodeURIComponent). */
export function encodeStrict(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * RFC 6570 §3.2.3 reserved expansion for `allowReserved`: reserved characters and valid percent-triples pass through,
 * except `[ ] # & + =`, which OAS 3.1 §4.8.12.2.2 says must still be encoded in a query string (they would end the
 * value, start another parameter or a fragment).
 */
function encodeReserved(text: string): string {
  return text.replace(/%[0-9A-Fa-f]{2}|[:/?@!$'()*,;]|[^%:/?@!$'()*,;]+|%/g, (part) =>
    (part.length > 1 && part.startsWith('%')) || /^[:/?@!$'()*,;]$/.test(part) ? part : encodeStrict(part));
}

/** The base URL as configured; it must be an absolute http(s) URL without query, fragment or user info. */
function parseBaseUrl(baseUrl: string): URL {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new SettingError('UPSTREAM_BASE_URL', 'is not an absolute URL', 'https://api.example.com/v1');
  }
  if (!/^https?:$/.test(base.protocol) || base.search || base.hash || base.username || base.password) {
    throw new SettingError('UPSTREAM_BASE_URL', 'must be an http(s) URL without query, fragment or user info', 'https://api.example.com/v1');
  }
  return base;
}

/**
 * The argument called `name`: an own property of `args` only, so that an argument named `constructor`, `toString` or
 * `__proto__` that the caller did not send is absent rather than Object.prototype's member.
 */
function argumentValue(args: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(args, name) ? args[name] : undefined;
}

/** Calls `serialize` with the argument of `p`, or returns [] when it is absent (undefined or null). */
function withArgument<T>(p: ParameterDefinition, args: Record<string, unknown>, serialize: (value: unknown) => T): T | [] {
  const value = argumentValue(args, p.argument);
  if (value === undefined || value === null) {
    if (p.required) throw new ToolInputError(pointer(p.argument), `the required ${p.in} parameter "${p.name}" is missing`);
    return [];
  }
  const [limit, what] = p.in === 'path' || p.in === 'query' ? [MAX_URL_LENGTH, 'a URL'] : [MAX_HEADER_LENGTH, 'a header'];
  if (exceedsLength(value, limit)) throw new ToolInputError(pointer(p.argument), `is too long for ${what}: at most ${limit} characters are sent`);
  try {
    return serialize(value);
  } catch (error) {
    // encodeURIComponent refuses lone UTF-16 surrogates; that is the caller's input, not a bug.
    if (error instanceof URIError) throw new ToolInputError(pointer(p.argument), 'contains an invalid Unicode character');
    throw error;
  }
}

/** Fills the path template segment by segment, so that no expansion can add or remove a `/`. */
function expandPath(tool: ToolDefinition, args: Record<string, unknown>): string {
  return tool.path.split('/').map((segment) => {
    let first: string | undefined;
    const expanded = segment.replace(/\{([^{}]+)\}/g, (_match, name: string) => {
      const p = tool.parameters.find((candidate) => candidate.in === 'path' && candidate.name === name);
      if (!p) throw new Error(`${tool.source}: the path template variable {${name}} has no parameter definition`);
      first ??= p.argument;
      return withArgument({ ...p, required: true }, args, (value) => pathValue(p, value)) as string;
    });
    // RFC 3986 §5.2.4: URL parsers remove "." and ".." segments (also as %2e), so such a segment reaches another resource.
    if (first !== undefined && /^(?:\.|%2e){1,2}$/i.test(expanded)) {
      throw new ToolInputError(pointer(first), 'would make a "." or ".." path segment, which URLs resolve to another resource');
    }
    return expanded;
  }).join('/');
}

/** One path parameter, per style simple, label or matrix (RFC 6570 §3.2.2, §3.2.5, §3.2.7; OAS 3.1 §4.8.12.6). */
function pathValue(p: ParameterDefinition, raw: unknown): string {
  const value = p.contentType ? contentText(p.contentType, raw) : raw;
  if (value === '' || (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0)) {
    throw new ToolInputError(pointer(p.argument), 'must not be empty: it is part of the URL path');
  }
  if (value === '.' || value === '..') {
    throw new ToolInputError(pointer(p.argument), `must not be "${value}": URLs resolve it to another path (RFC 3986 §5.2.4)`);
  }
  const name = encodeStrict(p.name);
  const prefix = p.style === 'label' ? '.' : p.style === 'matrix' ? `;${name}=` : '';
  if (Array.isArray(value)) {
    const items = value.map((item) => encodeStrict(scalarText(item)));
    if (!p.explode) return prefix + items.join(',');
    if (p.style === 'matrix') return items.map((item) => `;${name}=${item}`).join('');
    return prefix + items.join(p.style === 'label' ? '.' : ',');
  }
  if (isObject(value)) {
    const entries = definedEntries(value).map(([key, item]) => [encodeStrict(key), encodeStrict(scalarText(item))] as const);
    if (!p.explode) return prefix + entries.flat().join(',');
    const pairs = entries.map(([key, item]) => `${key}=${item}`);
    if (p.style === 'matrix') return pairs.map((pair) => `;${pair}`).join('');
    return (p.style === 'label' ? '.' : '') + pairs.join(p.style === 'label' ? '.' : ',');
  }
  const text = encodeStrict(scalarText(value));
  return p.style === 'matrix' && text === '' ? `;${name}` : prefix + text;
}

/** `name=value` pairs (already encoded) for one query parameter (OAS 3.1 §4.8.12.6 style table). */
function queryPairs(p: ParameterDefinition, value: unknown): string[] {
  const encode = p.allowReserved ? encodeReserved : encodeStrict;
  if (p.contentType) return [`${encodeStrict(p.name)}=${encode(contentText(p.contentType, value))}`];
  return styledPairs(p.name, value, p.style, p.explode, encode);
}

/**
 * Form-like serialization shared by query parameters and form bodies: form, spaceDelimited, pipeDelimited, deepObject.
 * The delimiters `%20`, `%7C`, `%5B`/`%5D` are percent-encoded as RFC 3986 requires (OAS 3.1 Appendix E.6).
 */
function styledPairs(name: string, value: unknown, style: Style, explode: boolean, encode: (text: string) => string): string[] {
  const n = encodeStrict(name);
  if (Array.isArray(value)) {
    const items = value.map((item) => encode(scalarText(item)));
    if (explode) return items.map((item) => `${n}=${item}`);
    return [`${n}=${items.join(delimiter(style))}`];
  }
  if (isObject(value)) {
    const entries = definedEntries(value);
    if (style === 'deepObject') {
      // OAS defines deepObject for scalar properties only; arrays repeat the key, deeper objects become JSON text.
      return entries.flatMap(([key, item]) => (Array.isArray(item) ? item : [item])
        .map((element) => `${n}%5B${encodeStrict(key)}%5D=${encode(scalarText(element))}`));
    }
    if (explode) return entries.map(([key, item]) => `${encodeStrict(key)}=${encode(scalarText(item))}`);
    return [`${n}=${entries.map(([key, item]) => `${encode(key)}${delimiter(style)}${encode(scalarText(item))}`).join(delimiter(style))}`];
  }
  return [`${n}=${encode(scalarText(value))}`];
}

/** The separator of non-exploded arrays and objects for a query style. */
function delimiter(style: Style): string {
  return style === 'spaceDelimited' ? '%20' : style === 'pipeDelimited' ? '%7C' : ',';
}

/** A header parameter's value, style simple (RFC 6570 §3.2.2); headers are not URLs, so nothing is percent-encoded. */
function headerValue(p: ParameterDefinition, value: unknown): string {
  if (p.contentType) return contentText(p.contentType, value);
  if (Array.isArray(value)) return value.map(scalarText).join(',');
  if (isObject(value)) {
    const entries = definedEntries(value);
    return p.explode
      ? entries.map(([key, item]) => `${key}=${scalarText(item)}`).join(',')
      : entries.flatMap(([key, item]) => [key, scalarText(item)]).join(',');
  }
  return scalarText(value);
}

/**
 * `name=value` cookie pairs, style form with percent-encoded values so that no value can end the pair (`;`) or add
 * another cookie (OAS 3.1 Appendix D). Parameters with `content` (e.g. text/plain) are sent as they are, minus `;`.
 */
function cookiePairs(p: ParameterDefinition, value: unknown): string[] {
  if (p.contentType) {
    const text = contentText(p.contentType, value);
    if (text.includes(';')) throw new ToolInputError(pointer(p.argument), 'must not contain ";" in a cookie');
    return [`${p.name}=${text}`];
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => encodeStrict(scalarText(item)));
    return p.explode ? items.map((item) => `${p.name}=${item}`) : [`${p.name}=${items.join(',')}`];
  }
  if (isObject(value)) {
    const entries = definedEntries(value).map(([key, item]) => [encodeStrict(key), encodeStrict(scalarText(item))] as const);
    return p.explode ? entries.map(([key, item]) => `${key}=${item}`) : [`${p.name}=${entries.flat().join(',')}`];
  }
  return [`${p.name}=${encodeStrict(scalarText(value))}`];
}

/** The request body from the body argument, per `body.encoding`; undefined when the optional body is absent. */
function buildBody(body: BodyDefinition, value: unknown, method: string): string | FormData | undefined {
  const field = pointer(body.argument);
  if (value === undefined) {
    if (body.required) throw new ToolInputError(field, 'the request body is required');
    return undefined;
  }
  if (method === 'GET' || method === 'HEAD') {
    throw new ToolInputError(field, `cannot be sent: an HTTP client sends no body with ${method}`);
  }
  switch (body.encoding) {
    case 'json':
      return JSON.stringify(value);
    case 'text':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'binary':
      // Tool arguments are JSON, so binary content arrives as a string; it is sent as is (UTF-8), not base64-decoded.
      if (typeof value !== 'string') throw new ToolInputError(field, 'must be a string for a binary body');
      return value;
    case 'form':
      return formPairs(body, fieldsChecked(body, field, objectBody(field, value))).join('&');
    case 'multipart':
      return multipart(body, fieldsChecked(body, field, objectBody(field, value)));
  }
}

/** Form and multipart bodies are built property by property, so the argument must be an object. */
function objectBody(field: string, value: unknown): Record<string, unknown> {
  if (!isObject(value)) throw new ToolInputError(field, 'must be an object for a form body');
  return value;
}

/** The Encoding Object of a form or multipart property: an own entry only (a property may be named `constructor`). */
function encodingOf(body: BodyDefinition, key: string): NonNullable<BodyDefinition['properties']>[string] | undefined {
  return body.properties && Object.hasOwn(body.properties, key) ? body.properties[key] : undefined;
}

/** The body object, once it is known to make at most MAX_FORM_FIELDS fields (counted without building them). */
function fieldsChecked(body: BodyDefinition, field: string, value: Record<string, unknown>): Record<string, unknown> {
  let fields = 0;
  for (const [key, item] of definedEntries(value)) {
    const styled = body.encoding === 'form' && (encodingOf(body, key)?.style !== undefined || encodingOf(body, key)?.explode !== undefined);
    fields += Array.isArray(item) ? item.length : styled && isObject(item) ? Object.keys(item).length : 1;
    if (fields > MAX_FORM_FIELDS) throw new ToolInputError(field, `would make more than ${MAX_FORM_FIELDS} form fields`);
  }
  return value;
}

/**
 * application/x-www-form-urlencoded (OAS 3.1 §4.8.15): a property whose Encoding Object sets `style` or `explode` is
 * serialized like a query parameter; otherwise by content type: objects as JSON text, arrays as repeated fields.
 */
function formPairs(body: BodyDefinition, value: Record<string, unknown>): string[] {
  return definedEntries(value).flatMap(([key, item]) => {
    const encoding = encodingOf(body, key);
    if (encoding?.style !== undefined || encoding?.explode !== undefined) {
      const style = encoding.style ?? 'form';
      return styledPairs(key, item, style, encoding.explode ?? style === 'form', encodeStrict);
    }
    return (Array.isArray(item) ? item : [item])
      .map((element) => `${encodeStrict(key)}=${encodeStrict(contentText(partType(encoding?.contentType, element), element))}`);
  });
}

/**
 * multipart/form-data (RFC 7578): scalars become plain fields, arrays repeated parts (§4.3), objects and properties
 * with a declared content type become parts carrying that Content-Type (default application/json for objects).
 */
function multipart(body: BodyDefinition, value: Record<string, unknown>): FormData {
  const form = new FormData();
  for (const [key, item] of definedEntries(value)) {
    const declared = encodingOf(body, key)?.contentType;
    for (const element of Array.isArray(item) ? item : [item]) {
      if (declared === undefined && !isObject(element) && !Array.isArray(element)) {
        form.append(key, scalarText(element));
      } else {
        const type = partType(declared, element);
        form.append(key, new Blob([contentText(type, element)], { type }), key);
      }
    }
  }
  return form;
}

/** The part's media type: the first of the Encoding Object's list (OAS 3.1 §4.8.15.1.1), else the default by type. */
function partType(declared: string | undefined, value: unknown): string {
  const first = declared?.split(',')[0]?.trim();
  if (first) return first;
  return isObject(value) || Array.isArray(value) ? 'application/json' : 'text/plain';
}

/** A value serialized as a media type: JSON text for JSON types, strings as they are, anything else as JSON. */
function contentText(contentType: string, value: unknown): string {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const json = type === 'application/json' || type.endsWith('+json');
  return !json && typeof value === 'string' ? value : JSON.stringify(value);
}

/** A scalar's text; nested arrays and objects, which styles cannot express, become JSON text. */
function scalarText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A header or cookie argument with CR, LF or NUL anywhere (keys included) could split or smuggle headers: refuse it. */
function rejectLineBreaks(argument: string, value: unknown): void {
  if (hasLineBreak(value)) throw new ToolInputError(pointer(argument), 'must not contain CR, LF or NUL characters');
}

/** Whether any string in the value, or any object key, contains CR, LF or NUL. */
function hasLineBreak(value: unknown): boolean {
  if (typeof value === 'string') return /[\r\n\0]/.test(value);
  if (Array.isArray(value)) return value.some(hasLineBreak);
  if (isObject(value)) return Object.entries(value).some(([key, item]) => hasLineBreak(key) || hasLineBreak(item));
  return false;
}

/** RFC 9110 §5.5 field values: visible characters, space, tab and obs-text only; at most MAX_HEADER_LENGTH long. */
function checkHeaderValue(argument: string, value: string): string {
  if (value.length > MAX_HEADER_LENGTH) throw new ToolInputError(pointer(argument), `is too long for a header: at most ${MAX_HEADER_LENGTH} characters are sent`);
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    throw new ToolInputError(pointer(argument), 'contains control characters or characters outside ISO-8859-1, which a header cannot carry');
  }
  return value;
}

/**
 * Whether the value, serialized in a URL or header, would surely be longer than `limit`: a lower bound on its length
 * (string lengths, one character per item or entry for delimiters) computed without building anything, so that a
 * two-million-item array is refused before two million encoded strings exist.
 */
function exceedsLength(value: unknown, limit: number): boolean {
  let total = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') total += item.length;
    else if (typeof item === 'number' || typeof item === 'boolean') total += 1;
    else if (Array.isArray(item)) {
      // n items need at least n - 1 delimiters.
      total += Math.max(0, item.length - 1);
      if (total > limit) return true;
      pending.push(...item);
    } else if (isObject(item)) {
      const keys = Object.keys(item);
      total += keys.length;
      if (total > limit) return true;
      for (const key of keys) pending.push(key, item[key]);
    }
    if (total > limit) return true;
  }
  return false;
}

/** Plain objects (not arrays, not null). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Object entries without undefined or null values (RFC 6570 §2.3 treats those as undefined: they are skipped). */
function definedEntries(value: Record<string, unknown>): [string, unknown][] {
  return Object.entries(value).filter(([, item]) => item !== undefined && item !== null);
}

/** The JSON-pointer-like field name ToolInputError reports (RFC 6901 escaping). */
function pointer(argument: string): string {
  return `/${argument.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
