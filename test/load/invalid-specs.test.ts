/**
 * Every spec under specs/invalid/ with the exact issue lines a user sees (load, then normalize for what only
 * normalize can find). A file without an entry here fails the suite, so none is left unchecked.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/errors.js';
import { loadSpec } from '../../src/load/load-spec.js';
import { normalizeSpec } from '../../src/normalize/normalize-spec.js';

const DIRECTORY = fileURLToPath(new URL('../../specs/invalid', import.meta.url));
const SUPPORTED = 'portcullis reads Swagger 2.0 (swagger: "2.0"), OpenAPI 3.0.0–3.0.4 and 3.1.0–3.1.2 (openapi: "3.1.0").';

const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'yaml-syntax-error.yaml': [
    'specs/invalid/yaml-syntax-error.yaml#: syntax error at line 8, column 16: Nested mappings are not allowed in compact mappings. Fix the YAML/JSON syntax there. [ERR_SPEC_PARSE]',
  ],
  'json-syntax-error.json': [
    'specs/invalid/json-syntax-error.json#: syntax error at line 5, column 1: Expected double-quoted property name. Fix the YAML/JSON syntax there. [ERR_SPEC_PARSE]',
  ],
  'missing-info.yaml': ['specs/invalid/missing-info.yaml#: missing required property "info". Add "info" to this object. [ERR_SPEC_INVALID]'],
  'unknown-security-scheme.yaml': [
    'specs/invalid/unknown-security-scheme.yaml#/paths/~1pets/get/security/0/oauht: security scheme "oauht" is not declared. Declare it under #/components/securitySchemes, or use one of the declared schemes: "oauth", "apiKey". [ERR_SPEC_UNKNOWN_SCHEME]',
    'warning: specs/invalid/unknown-security-scheme.yaml#/paths/~1pets/post/security/0/oauth: scope "pets:admin" is not declared. Declare it under #/components/securitySchemes/oauth/flows/clientCredentials/scopes or remove it here. [WARN_SPEC_UNKNOWN_SCOPE]',
  ],
  'remote-ref.yaml': [
    'specs/invalid/remote-ref.yaml#/paths/~1pets/get/parameters/0: $ref "https://example.com/openapi/parameters.yaml#/limit" points to a remote document (https://example.com/openapi/parameters.yaml), which is not followed by default. Pass --allow-remote-refs to follow remote $refs, or save that document next to the spec and point the $ref at the local copy. [ERR_SPEC_REMOTE_REF]',
  ],
  'broken-local-ref.yaml': [
    'specs/invalid/broken-local-ref.yaml#/paths/~1pets/get/parameters/0: $ref "#/components/parameters/offset" points to nothing: "offset" does not exist. #/components/parameters has "limit"; fix the $ref or add the missing entry. [ERR_SPEC_REF]',
    'specs/invalid/broken-local-ref.yaml#/paths/~1pets/get/parameters/1: $ref "./does-not-exist.yaml#/limit" points to a file that does not exist (specs/invalid/does-not-exist.yaml). Fix the path; it is relative to the file that contains the $ref. [ERR_SPEC_REF]',
    'specs/invalid/broken-local-ref.yaml#/paths/~1pets/get/parameters/2: $ref "#components/parameters/limit" is not a valid JSON pointer. A pointer starts with "#/", e.g. "#/components/schemas/Pet". [ERR_SPEC_REF]',
  ],
  // #16: a $ref may not copy a file from outside the spec's folder into the output, wherever the $ref sits.
  'local-file-ref.yaml': [
    'specs/invalid/local-file-ref.yaml#/paths/~1pets/get/parameters/0: $ref "../../../../../../../../../../../../../../../../etc/passwd" points to /etc/passwd, which is outside the folder of the spec (specs/invalid), symbolic links followed. Copy the file into specs/invalid and point the $ref at the copy. [ERR_SPEC_LOCAL_REF]',
    'specs/invalid/local-file-ref.yaml#/paths/~1pets/get/responses/200/content/application~1json/schema/example: $ref "file:///etc/passwd" points to /etc/passwd, which is outside the folder of the spec (specs/invalid), symbolic links followed. Copy the file into specs/invalid and point the $ref at the copy. [ERR_SPEC_LOCAL_REF]',
    'specs/invalid/local-file-ref.yaml#/paths/~1pets/get/responses/200/content/application~1json/schema/x-leak: $ref "/etc/hostname" points to /etc/hostname, which is outside the folder of the spec (specs/invalid), symbolic links followed. Copy the file into specs/invalid and point the $ref at the copy. [ERR_SPEC_LOCAL_REF]',
  ],
  'unsupported-version.yaml': [`specs/invalid/unsupported-version.yaml#/openapi: unsupported OpenAPI version "4.0.0". ${SUPPORTED} [ERR_SPEC_VERSION]`],
  'swagger-version-number.yaml': [
    'specs/invalid/swagger-version-number.yaml#/swagger: the Swagger version must be the string "2.0", not the number 2. Quote it: swagger: "2.0". [ERR_SPEC_VERSION]',
  ],
  'undeclared-path-parameter.yaml': [
    'specs/invalid/undeclared-path-parameter.yaml#/paths/~1pets~1{petId}~1toys~1{toyId}/get: {toyId} in the path template "/pets/{petId}/toys/{toyId}" is not declared as a path parameter. Declare "toyId" under parameters (in: path, required: true), here or on the path item. [ERR_SPEC_PATH_PARAMETER]',
    'warning: specs/invalid/undeclared-path-parameter.yaml#/paths/~1pets~1{petId}~1toys~1{toyId}/get/parameters/1: path parameter "ownerId" does not appear in the path template "/pets/{petId}/toys/{toyId}". Remove the parameter, or add {ownerId} to the path. [WARN_SPEC_PATH_PARAMETER]',
  ],
  // Swagger 2.0: swagger-parser finds it; the message is the same as normalize's.
  'undeclared-path-parameter-2.0.yaml': [
    'specs/invalid/undeclared-path-parameter-2.0.yaml#/paths/~1pets~1{petId}/get: {petId} in the path template "/pets/{petId}" is not declared as a path parameter. Declare "petId" under parameters (in: path, required: true), here or on the path item. [ERR_SPEC_PATH_PARAMETER]',
  ],
  'duplicate-operation-id-2.0.yaml': [
    'specs/invalid/duplicate-operation-id-2.0.yaml#/paths/~1pets/post/operationId: operationId "pets" is also used by #/paths/~1pets/get. Give every operation a unique operationId. [ERR_SPEC_INVALID]',
  ],
  // Every schema violation at once, one line each, however many alternatives the OpenAPI schema tried.
  'invalid-objects.yaml': [
    'specs/invalid/invalid-objects.yaml#/paths/~1pets/get/summry: property "summry" is not allowed here. Remove it, or rename it to "x-summry" to keep it as an extension. [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects.yaml#/paths/~1pets/get/parameters/0/in: "querry" is not an allowed value for "in". Use one of "query", "header", "path", "cookie". [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects.yaml#/paths/~1pets/get/parameters/1: must have one of the properties "schema" or "content". Add the one that fits. [ERR_SPEC_INVALID]',
    'warning: specs/invalid/invalid-objects.yaml#/paths/~1pets/get/responses/200/schema: property "schema" is not allowed here. Remove it, or rename it to "x-schema" to keep it as an extension. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/invalid-objects.yaml#/components/schemas/Pet/properties/id/type: "integr" is not an allowed value for "type". Use one of "array", "boolean", "integer", "number", "object", "string". [WARN_SPEC_INVALID]',
    'warning: specs/invalid/invalid-objects.yaml#/components/schemas/Pet/properties/tags/nullable: must be a boolean, not the string "yes". Change it to a boolean. [WARN_SPEC_INVALID]',
    'specs/invalid/invalid-objects.yaml#/components/securitySchemes/oauth: missing required property "flows". Add "flows" to this object. [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects.yaml#/components/securitySchemes/key/in: "body" is not an allowed value for "in". Use one of "header", "query", "cookie". [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects.yaml#/components/securitySchemes/basic: missing required property "scheme". Add "scheme" to this object. [ERR_SPEC_INVALID]',
  ],
  'invalid-objects-3.1.yaml': [
    'specs/invalid/invalid-objects-3.1.yaml#/paths/~1pets~1{petId}/get/parameters/0/required: false is not an allowed value for "required". Use true. [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects-3.1.yaml#/paths/~1pets~1{petId}/get/parameters/1/style: "form" is not an allowed value for "style". Use "simple". [ERR_SPEC_INVALID]',
    'warning: specs/invalid/invalid-objects-3.1.yaml#/paths/~1pets~1{petId}/get/responses/200/description: must be a string, not the number 200. Change it to a string. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/invalid-objects-3.1.yaml#/paths/~1pets~1{petId}/get/responses/200/schema: property "schema" is not allowed here. Remove it, or rename it to "x-schema" to keep it as an extension. [WARN_SPEC_INVALID]',
    'specs/invalid/invalid-objects-3.1.yaml#/paths/~1pets~1{petId}/get/summry: property "summry" is not allowed here. Remove it, or rename it to "x-summry" to keep it as an extension. [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects-3.1.yaml#/components/securitySchemes/key/in: "body" is not an allowed value for "in". Use one of "query", "header", "cookie". [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects-3.1.yaml#/components/securitySchemes/basic: missing required property "scheme". Add "scheme" to this object. [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects-3.1.yaml#/components/securitySchemes/token/type: "token" is not an allowed value for "type". Use one of "apiKey", "http", "mutualTLS", "oauth2", "openIdConnect". [ERR_SPEC_INVALID]',
  ],
  'invalid-objects-2.0.yaml': [
    'specs/invalid/invalid-objects-2.0.yaml#/paths/~1pets/get/parameters/0: missing required property "type". Add "type" to this object. [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects-2.0.yaml#/paths/~1pets/get/parameters/1: missing required property "schema". Add "schema" to this object. [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects-2.0.yaml#/paths/~1pets/get/parameters/2/type: "strng" is not an allowed value for "type". Use one of "string", "number", "boolean", "integer", "array", "file". [ERR_SPEC_INVALID]',
    'specs/invalid/invalid-objects-2.0.yaml#/paths/~1pets/get/parameters/3/bogus: property "bogus" is not allowed here. Remove it, or rename it to "x-bogus" to keep it as an extension. [ERR_SPEC_INVALID]',
    'warning: specs/invalid/invalid-objects-2.0.yaml#/paths/~1pets/get/responses/200/content: property "content" is not allowed here. Remove it, or rename it to "x-content" to keep it as an extension. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/invalid-objects-2.0.yaml#/paths/~1pets/get/responses/404/description: must be a string, not the number 404. Change it to a string. [WARN_SPEC_INVALID]',
    'specs/invalid/invalid-objects-2.0.yaml#/securityDefinitions/oauth: missing required property "authorizationUrl". Add "authorizationUrl" to this object. [ERR_SPEC_INVALID]',
  ],
  // #16: paths and server URLs that a URL parser would resolve to another path (also percent-encoded, or with \).
  'dot-segment-path.yaml': [
    'specs/invalid/dot-segment-path.yaml#/servers/0/url: the server URL "https://files.example.com/v1/.." has the segment "..", which a URL parser resolves, so every request would leave the API\'s base path. Remove ".." segments (also percent-encoded ones such as %2e%2e): write the base path it resolves to. [ERR_SPEC_PATH]',
    'specs/invalid/dot-segment-path.yaml#/paths/~1files~1..~1admin~1users: path "/files/../admin/users" has the segment "..", which a URL parser resolves, so the request would reach another path. Remove "." and ".." segments (also percent-encoded ones such as %2e%2e): write the path the way the upstream API resolves it. [ERR_SPEC_PATH]',
    'specs/invalid/dot-segment-path.yaml#/paths/~1files~1%2e%2e~1admin: path "/files/%2e%2e/admin" has the segment "%2e%2e" (".." once percent-decoded), which a URL parser resolves, so the request would reach another path. Remove "." and ".." segments (also percent-encoded ones such as %2e%2e): write the path the way the upstream API resolves it. [ERR_SPEC_PATH]',
    'specs/invalid/dot-segment-path.yaml#/paths/~1files\\..\\admin: path "/files\\\\..\\\\admin" contains "\\\\", which URL parsers read as "/". Use "/" between segments. [ERR_SPEC_PATH]',
  ],
  'dot-segment-base-path-2.0.yaml': [
    'specs/invalid/dot-segment-base-path-2.0.yaml#/basePath: basePath "/v1/%2E%2E/internal" has the segment "%2E%2E" (".." once percent-decoded), which a URL parser resolves, so the request would reach another path. Remove "." and ".." segments (also percent-encoded ones such as %2e%2e): write the path the way the upstream API resolves it. [ERR_SPEC_PATH]',
  ],
  // #16: names the server could not send: scheme keys, header/cookie names that are not tokens.
  'unusable-names.yaml': [
    'specs/invalid/unusable-names.yaml#/components/securitySchemes/partner key: security scheme name "partner key" contains " " (a space); component names may only use A-Z, a-z, 0-9, ".", "-" and "_". Rename it, and every security requirement that names it. [ERR_SPEC_NAME]',
    'specs/invalid/unusable-names.yaml#/components/securitySchemes/partner key/name: API key header name "X Partner Key" contains " " (a space); an HTTP field name must be a token (RFC 9110 §5.6.2). Rename it using only letters, digits and !#$%&\'*+-.^_`|~. [ERR_SPEC_NAME]',
    'specs/invalid/unusable-names.yaml#/components/securitySchemes/session/name: API key cookie name "sid;Path=/" contains ";"; a cookie name must be printable ASCII without spaces, ";", "=" or "," (RFC 6265 §4.1.1). Rename it without those characters. [ERR_SPEC_NAME]',
    'specs/invalid/unusable-names.yaml#/paths/~1reports/get/parameters/0/name: header parameter name "X-Request:Id" contains ":"; an HTTP field name must be a token (RFC 9110 §5.6.2). Rename it using only letters, digits and !#$%&\'*+-.^_`|~. [ERR_SPEC_NAME]',
    'specs/invalid/unusable-names.yaml#/paths/~1reports/get/parameters/1/name: cookie parameter name "pref=dark" contains "="; a cookie name must be printable ASCII without spaces, ";", "=" or "," (RFC 6265 §4.1.1). Rename it without those characters. [ERR_SPEC_NAME]',
  ],
  // #16: scopes no access token can carry (RFC 6749 §3.3), where declared and where required.
  'unsatisfiable-scope-names.yaml': [
    'specs/invalid/unsatisfiable-scope-names.yaml#/components/securitySchemes/oauth/flows/clientCredentials/scopes/reports write: scope "reports write" contains " " (a space), so no access token can carry it (RFC 6749 §3.3 scope-token). Rename it using printable ASCII characters other than space, \'"\' and \'\\\'. [ERR_SPEC_SCOPE_NAME]',
    'specs/invalid/unsatisfiable-scope-names.yaml#/paths/~1reports/post/security/0/oauth/0: scope "reports write" contains " " (a space), so no access token can carry it (RFC 6749 §3.3 scope-token). Rename it using printable ASCII characters other than space, \'"\' and \'\\\'. [ERR_SPEC_SCOPE_NAME]',
  ],
  // #8: misspelled or misplaced x-mcp-* extensions on the document, a path item, an operation, a parameter and a schema.
  // #12: x-mcp-confirm is true, false or { consequence }, read on operations and path items only.
  'confirm-extension.yaml': [
    'specs/invalid/confirm-extension.yaml#/x-mcp-confirm: x-mcp-confirm is not read here, so it would have no effect. portcullis reads x-mcp-confirm only on path items and operations: move it there. [ERR_SPEC_EXTENSION]',
    'specs/invalid/confirm-extension.yaml#/paths/~1grants/x-mcp-confirm: x-mcp-confirm must be true, false or an object with consequence, not the string "yes". For example x-mcp-confirm: true, or x-mcp-confirm: { consequence: "The card is charged." }. [ERR_SPEC_EXTENSION]',
    'specs/invalid/confirm-extension.yaml#/paths/~1grants/post/x-mcp-confirm/arguments: x-mcp-confirm has no key "arguments". Its only key is consequence. For example x-mcp-confirm: true, or x-mcp-confirm: { consequence: "The card is charged." }. [ERR_SPEC_EXTENSION]',
    'specs/invalid/confirm-extension.yaml#/paths/~1grants/post/x-mcp-confirm/consequence: must be a non-empty string, not the string "". For example x-mcp-confirm: true, or x-mcp-confirm: { consequence: "The card is charged." }. [ERR_SPEC_EXTENSION]',
    'specs/invalid/confirm-extension.yaml#/paths/~1grants/put/x-mcp-confirm/because: x-mcp-confirm has no key "because". Its only key is consequence. For example x-mcp-confirm: true, or x-mcp-confirm: { consequence: "The card is charged." }. [ERR_SPEC_EXTENSION]',
    'specs/invalid/confirm-extension.yaml#/paths/~1grants/put/x-mcp-confirm: x-mcp-confirm as an object needs consequence: what follows from the call, in one sentence. For example x-mcp-confirm: true, or x-mcp-confirm: { consequence: "The card is charged." }. [ERR_SPEC_EXTENSION]',
    'specs/invalid/confirm-extension.yaml#/paths/~1grants/delete/x-mcp-confirm: x-mcp-confirm must be true, false or an object with consequence, not the number 1. For example x-mcp-confirm: true, or x-mcp-confirm: { consequence: "The card is charged." }. [ERR_SPEC_EXTENSION]',
    'specs/invalid/confirm-extension.yaml#/paths/~1grants/delete/x-mcp-confrim: unknown extension "x-mcp-confrim" is close to "x-mcp-confirm", which portcullis reads on path items and operations. Did you mean "x-mcp-confirm"? Rename it. [ERR_SPEC_EXTENSION]',
    'specs/invalid/confirm-extension.yaml#/paths/~1grants/delete/parameters/0/x-mcp-confirm: x-mcp-confirm is not read here, so it would have no effect. portcullis reads x-mcp-confirm only on path items and operations: move it there. [ERR_SPEC_EXTENSION]',
  ],
  'extension-typos.yaml': [
    'specs/invalid/extension-typos.yaml#/x-mcp-exlude: unknown extension "x-mcp-exlude" is close to "x-mcp-exclude", which portcullis reads on the document, path items and operations. Did you mean "x-mcp-exclude"? Rename it. [ERR_SPEC_EXTENSION]',
    'specs/invalid/extension-typos.yaml#/paths/~1tasks/x-mcp-role: unknown extension "x-mcp-role" is close to "x-mcp-roles", which portcullis reads on path items and operations. Did you mean "x-mcp-roles"? Rename it. [ERR_SPEC_EXTENSION]',
    'specs/invalid/extension-typos.yaml#/paths/~1tasks/get/x-mcp-scope: unknown extension "x-mcp-scope" is close to "x-mcp-scopes", which portcullis reads on path items and operations. Did you mean "x-mcp-scopes"? Rename it. [ERR_SPEC_EXTENSION]',
    'specs/invalid/extension-typos.yaml#/paths/~1tasks/get/x-mcp-public: x-mcp-public must be true or false, not the string "yes". For example x-mcp-public: true. [ERR_SPEC_EXTENSION]',
    'warning: specs/invalid/extension-typos.yaml#/paths/~1tasks/get/x-mcp-rate-limit: portcullis does not read the extension "x-mcp-rate-limit". The extensions it reads are x-mcp-exclude, x-mcp-name, x-mcp-public, x-mcp-roles, x-mcp-scopes, x-mcp-confirm, x-mcp-bind; remove it, or rename it outside the x-mcp- prefix. [WARN_SPEC_EXTENSION]',
    'specs/invalid/extension-typos.yaml#/paths/~1tasks/get/parameters/0/x-mcp-scopes: x-mcp-scopes is not read here, so it would have no effect. portcullis reads x-mcp-scopes only on path items and operations: move it there. [ERR_SPEC_EXTENSION]',
    'specs/invalid/extension-typos.yaml#/components/schemas/Query/properties/x-mcp-name/x-mcp-nmae: unknown extension "x-mcp-nmae" is close to "x-mcp-name", which portcullis reads on path items and operations. Did you mean "x-mcp-name"? Rename it and move it to path items and operations. [ERR_SPEC_EXTENSION]',
  ],
  // #9: violations no tool is affected by (responses, response headers, links, xml, info, tags, schemas only
  // responses use) are warnings with their place; generation goes on.
  'lenient-response-only.yaml': [
    'warning: specs/invalid/lenient-response-only.yaml#/info/contact/email: must be a string, not the number 42. Change it to a string. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-response-only.yaml#/tags/0/externalDocs: missing required property "url". Add "url" to this object. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-response-only.yaml#/paths/~1pets~1{petId}/get/responses/default/description: must be a string, not the number 404. Change it to a string. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-response-only.yaml#/paths/~1pets~1{petId}/get/responses/default/links/self/bogus: property "bogus" is not allowed here. Remove it, or rename it to "x-bogus" to keep it as an extension. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-response-only.yaml#/paths/~1pets~1{petId}/get/responses/200/headers/X-Rate-Limit/schema: must be an object, not the number 42. Change it to an object. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-response-only.yaml#/components/schemas/Owner/properties/name/type: "strng" is not an allowed value for "type". Use one of "array", "boolean", "integer", "number", "object", "string". [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-response-only.yaml#/paths/~1pets~1{petId}/get/responses/200/content/application~1json/schema/xml/example: property "example" is not allowed here. Remove it, or rename it to "x-example" to keep it as an extension. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-response-only.yaml#/components/schemas/Unused/nullable: must be a boolean, not the string "yes". Change it to a boolean. [WARN_SPEC_INVALID]',
  ],
  // #9: request-side violations stay errors, also in a schema a response uses too, and in properties named like
  // documentation fields; documentation (xml) in a request schema and a response-only schema are warnings.
  'lenient-request-side.yaml': [
    'specs/invalid/lenient-request-side.yaml#/paths/~1pets/post/parameters/0/schema/type: "integr" is not an allowed value for "type". Use one of "array", "boolean", "integer", "number", "object", "string". [ERR_SPEC_INVALID]',
    'specs/invalid/lenient-request-side.yaml#/components/schemas/Example/properties/externalDocs/type: "nmber" is not an allowed value for "type". Use one of "array", "boolean", "integer", "number", "object", "string". [ERR_SPEC_INVALID]',
    'specs/invalid/lenient-request-side.yaml#/components/schemas/Pet/properties/name/type: "strng" is not an allowed value for "type". Use one of "array", "boolean", "integer", "number", "object", "string". [ERR_SPEC_INVALID]',
    'warning: specs/invalid/lenient-request-side.yaml#/components/schemas/Pet/properties/xml/xml/example: property "example" is not allowed here. Remove it, or rename it to "x-example" to keep it as an extension. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-request-side.yaml#/components/schemas/Problem/properties/detail/type: "strng" is not an allowed value for "type". Use one of "array", "boolean", "integer", "number", "object", "string". [WARN_SPEC_INVALID]',
  ],
  // #9: Swagger 2.0: response-side violations are warnings, and swagger-parser's rules, which stop at their first
  // violation, still find the duplicate operationId behind a response header's.
  'lenient-swagger-2.0.yaml': [
    'warning: specs/invalid/lenient-swagger-2.0.yaml#/info/license: missing required property "name". Add "name" to this object. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-swagger-2.0.yaml#/definitions/Pet/properties/id/type: "integr" is not an allowed value for "type". Use one of "array", "boolean", "integer", "null", "number", "object", "string". [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-swagger-2.0.yaml#/definitions/Pet/xml/example: property "example" is not allowed here. Remove it, or rename it to "x-example" to keep it as an extension. [WARN_SPEC_INVALID]',
    'warning: specs/invalid/lenient-swagger-2.0.yaml#/paths/~1pets/get/responses/200/headers/X-Total/type: "integr" is not an allowed value for "type". Use one of "string", "number", "integer", "boolean", "array". [WARN_SPEC_INVALID]',
    'specs/invalid/lenient-swagger-2.0.yaml#/paths/~1pets/post/operationId: operationId "listPets" is also used by #/paths/~1pets/get. Give every operation a unique operationId. [ERR_SPEC_INVALID]',
  ],
};

/** The lines a user sees for a spec: load's issues if it fails, else load's warnings and normalize's issues. */
async function issueLines(file: string): Promise<string[]> {
  const loaded = await loadSpec(file, { allowRemoteRefs: false });
  return [...loaded.issues, ...(loaded.value ? normalizeSpec(loaded.value).issues : [])].map(formatIssue);
}

describe('specs/invalid', () => {
  const files = readdirSync(DIRECTORY).sort();

  it('has an expectation for every file, and a file for every expectation', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s', async (name) => {
    const file = path.relative(process.cwd(), path.join(DIRECTORY, name));
    expect(file).toBe(`specs/invalid/${name}`);
    expect(await issueLines(file)).toEqual(EXPECTED[name]);
  });
});
