/**
 * Stage `normalize`: a loaded Swagger 2.0, OpenAPI 3.0 or 3.1 document into the version-independent
 * NormalizedSpec. Pure: it reports problems as located issues and lets the caller decide what is fatal.
 * @see https://spec.openapis.org/oas/v3.1.0#openapi-object
 * @see https://swagger.io/specification/v2/#swagger-object
 */
import { IssueCollector, type Issue, type StageResult } from '../errors.js';
import type { LoadedSpec } from '../load/load-spec.js';
import { isRecord } from '../shared/guards.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { optional, stringOf, type NormalizeContext } from './context.js';
import { pickExtensions } from './extensions.js';
import { checkMcpExtensions } from './mcp-extensions.js';
import { normalizePathItem } from './path-item.js';
import { pathTemplateProblem } from './path-safety.js';
import { normalizeSecurityRequirements } from './security-requirement.js';
import { normalizeSecuritySchemes } from './security-scheme.js';
import { DEFAULT_SERVERS, normalizeServers, swagger2Server } from './server.js';
import type { NormalizedSpec, SpecVersion } from './types.js';

const SCHEMA_DIALECTS: Readonly<Record<SpecVersion, NormalizedSpec['schemaDialect']>> = {
  '2.0': 'openapi-2.0',
  '3.0': 'openapi-3.0',
  '3.1': 'json-schema-2020-12',
};

/** `jsonSchemaDialect` values that mean JSON Schema 2020-12 as OpenAPI 3.1 uses it. */
const DIALECTS_2020_12 = ['https://spec.openapis.org/oas/3.1/dialect/base', 'https://json-schema.org/draft/2020-12/schema'];

/**
 * Warns when a 3.1 document declares a schema dialect other than 2020-12 (schemas are read as 2020-12 anyway).
 * @see https://spec.openapis.org/oas/v3.1.0#fixed-fields (jsonSchemaDialect)
 */
function checkSchemaDialect(context: NormalizeContext): void {
  const dialect = context.document.jsonSchemaDialect;
  if (dialect === undefined || DIALECTS_2020_12.includes(String(dialect).replace(/#$/, ''))) return;
  context.issues.warn(
    'WARN_SPEC_UNSUPPORTED',
    '#/jsonSchemaDialect',
    `schemas are read as JSON Schema 2020-12, not as ${JSON.stringify(dialect)}`,
    'Remove jsonSchemaDialect, or check that the schemas mean the same in 2020-12.',
  );
}

/**
 * Reports ERR_SPEC_PATH for every path (and the 2.0 `basePath`) that could reach another path upstream: dot-segments,
 * `\`, `?`, `#` or control characters.
 * @see https://spec.openapis.org/oas/v3.1.0#paths-object
 * @see https://swagger.io/specification/v2/#fixed-fields (basePath)
 */
function checkPaths(context: NormalizeContext, paths: Readonly<Record<string, unknown>>): void {
  const basePath = context.version === '2.0' ? stringOf(context.document.basePath) : undefined;
  const located: [path: string, pointer: string, subject: string][] = Object.keys(paths)
    .filter((path) => path.startsWith('/'))
    .map((path) => [path, pointerJoin('#', 'paths', path), `path ${JSON.stringify(path)}`]);
  if (basePath !== undefined) located.unshift([basePath, '#/basePath', `basePath ${JSON.stringify(basePath)}`]);
  for (const [path, pointer, subject] of located) {
    const problem = pathTemplateProblem(path, subject);
    if (problem) context.issues.error('ERR_SPEC_PATH', pointer, problem.message, problem.hint);
  }
}

/** Drops repeated issues (a path-item parameter is checked once per operation). */
function dedupe(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.code}\0${issue.pointer}\0${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Normalizes a loaded spec: operations in document order (paths as written, methods in OpenAPI's order).
 * 3.1 `webhooks` are not operations the server can call, and are ignored.
 * @see https://spec.openapis.org/oas/v3.1.0#paths-object
 */
export function normalizeSpec(loaded: Omit<LoadedSpec, 'sourceDigest'>): StageResult<NormalizedSpec> {
  const { document, specVersion: version } = loaded;
  const issues = new IssueCollector(loaded.file);
  const context: NormalizeContext = { document, version, issues };
  if (version === '3.1') checkSchemaDialect(context);

  const info = isRecord(document.info) ? document.info : {};
  const securitySchemes = normalizeSecuritySchemes(context);
  const security = normalizeSecurityRequirements(context, securitySchemes, document.security, '#/security');
  // Document servers before the paths, so that issues come in document order.
  const servers = version === '2.0' ? [swagger2Server(document)] : (normalizeServers(context, document.servers, '#/servers') ?? DEFAULT_SERVERS);
  const paths = isRecord(document.paths) ? document.paths : {};
  checkPaths(context, paths);
  const operations = Object.entries(paths)
    .filter(([path]) => path.startsWith('/'))
    .flatMap(([path, item]) => normalizePathItem(context, securitySchemes, path, item, pointerJoin('#', 'paths', path)));
  const boundProperties = checkMcpExtensions(document, issues);

  const spec: NormalizedSpec = {
    specVersion: version,
    schemaDialect: SCHEMA_DIALECTS[version],
    info: {
      title: String(info.title ?? ''),
      version: String(info.version ?? ''),
      ...optional('description', stringOf(info.description)),
    },
    servers,
    securitySchemes,
    ...optional('security', security),
    extensions: pickExtensions(document),
    operations,
    boundProperties,
    document,
  };
  return { value: spec, issues: dedupe(issues.issues) };
}
