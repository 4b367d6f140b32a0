/**
 * Turns the Ajv errors of swagger-parser's schema validation into a few located, actionable issues.
 *
 * Ajv (allErrors) reports every failed alternative of every `oneOf` in the OpenAPI schemas: a parameter with a
 * typo in `in` yields a dozen errors, one per kind of parameter. This keeps the ones that explain the problem:
 * it drops the summaries (`must match exactly one schema in oneOf`) and the "is it a Reference Object?" branch,
 * drops alternatives that a discriminating property (`in`, `type`, `flow`) already rules out, merges enum errors,
 * and, where alternatives cannot be told apart, reports one issue listing what each of them wanted.
 * Swagger-parser validates the dereferenced document, so pointers are mapped back through `$ref`s to where the
 * value is written.
 * @see https://ajv.js.org/api.html#validation-errors
 */
import type { Issue } from '../errors.js';
import { isRecord } from '../shared/guards.js';
import { formatPointer, locatePointer, parsePointer } from '../shared/json-pointer.js';
import { refOf } from '../shared/reference.js';
import type { SpecVersion } from './spec-version.js';

/** The fields of an Ajv error that are used here. */
export interface AjvError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

interface Located extends AjvError {
  /** Where the value is written in the bundled document. */
  readonly pointer: string;
}

/** Keywords that only summarise the failures of subschemas. */
const SUMMARY_KEYWORDS = new Set(['oneOf', 'anyOf', 'if', 'not']);

/** The fixed field names of the OpenAPI 3.1 objects. @see https://spec.openapis.org/oas/v3.1.0#schema */
const OPENAPI_FIELDS = new Set([
  'openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags',
  'externalDocs', 'title', 'summary', 'description', 'termsOfService', 'contact', 'license', 'version', 'name', 'url',
  'email', 'identifier', 'variables', 'enum', 'default', 'schemas', 'responses', 'parameters', 'examples',
  'requestBodies', 'headers', 'securitySchemes', 'links', 'callbacks', 'pathItems', '$ref', 'get', 'put', 'post',
  'delete', 'options', 'head', 'patch', 'trace', 'operationId', 'requestBody', 'deprecated', 'in', 'required',
  'allowEmptyValue', 'style', 'explode', 'allowReserved', 'schema', 'example', 'content', 'encoding', 'contentType',
  'value', 'externalValue', 'operationRef', 'server', 'type', 'scheme', 'bearerFormat', 'flows', 'openIdConnectUrl',
  'implicit', 'password', 'clientCredentials', 'authorizationCode', 'authorizationUrl', 'tokenUrl', 'refreshUrl',
  'scopes', 'discriminator', 'xml', 'propertyName', 'mapping', 'namespace', 'prefix', 'attribute', 'wrapped',
]);

/** Summaries of alternatives (`if` is not one: its condition picks the branch). */
const ALTERNATIVE_KEYWORDS = new Set(['oneOf', 'anyOf'])

/**
 * The values a discriminating property may take, so that an enum error on it can be told apart:
 * an allowed value means another alternative accepted it (noise), anything else is the mistake.
 */
function discriminatorDomain(parent: string, property: string, version: SpecVersion): readonly string[] | undefined {
  const isParameter = /\/parameters\/[^/]+$/.test(parent);
  const isSecurityScheme = /^#\/(securityDefinitions|components\/securitySchemes)\/[^/]+$/.test(parent);
  if (property === 'in' && isParameter) {
    return version === '2.0' ? ['query', 'header', 'path', 'formData', 'body'] : ['query', 'header', 'path', 'cookie'];
  }
  if (property === 'type' && isSecurityScheme) {
    if (version === '2.0') return ['basic', 'apiKey', 'oauth2'];
    return version === '3.0' ? ['apiKey', 'http', 'oauth2', 'openIdConnect'] : ['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'];
  }
  if (property === 'flow' && isSecurityScheme && version === '2.0') return ['implicit', 'password', 'application', 'accessCode'];
  return undefined;
}

/** Keys a Swagger 2.0 non-body parameter may have besides `x-*`. */
const SWAGGER2_PARAMETER_KEYS = [
  'name', 'in', 'description', 'required', 'type', 'format', 'allowEmptyValue', 'items', 'collectionFormat', 'default',
  'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems',
  'minItems', 'uniqueItems', 'enum', 'multipleOf',
];

/** The fields of a Swagger 2.0 Schema Object. @see https://swagger.io/specification/v2/#schema-object */
const SWAGGER2_SCHEMA_FIELDS = [
  '$ref', 'format', 'title', 'description', 'default', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum',
  'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties',
  'minProperties', 'required', 'enum', 'additionalProperties', 'type', 'items', 'allOf', 'properties', 'discriminator',
  'readOnly', 'xml', 'externalDocs', 'example',
];

/**
 * What the one matching alternative of a Swagger 2.0 parameter or security scheme requires and allows, read from
 * the value's own `in`/`type`/`flow`. The draft-04 schema's errors do not say which alternative they come from,
 * so for these two common objects the form is looked up instead.
 * @see https://swagger.io/specification/v2/#parameter-object
 * @see https://swagger.io/specification/v2/#security-scheme-object
 */
function swagger2Form(pointer: string, value: unknown): { required: string[]; allowed: string[] } | undefined {
  if (!isRecord(value)) return undefined;
  if (/\/parameters\/[^/]+$/.test(pointer)) {
    if (value.in === 'body') return { required: ['name', 'in', 'schema'], allowed: ['name', 'in', 'description', 'required', 'schema'] };
    const required = value.in === 'path' ? ['name', 'in', 'type', 'required'] : ['name', 'in', 'type'];
    return { required, allowed: SWAGGER2_PARAMETER_KEYS };
  }
  // A response schema that is not `type: file` is not the File alternative. @see https://swagger.io/specification/v2/#response-object
  if (/\/responses\/[^/]+\/schema$/.test(pointer) && value.type !== 'file') return { required: [], allowed: SWAGGER2_SCHEMA_FIELDS };
  if (/^#\/securityDefinitions\/[^/]+$/.test(pointer)) {
    if (value.type === 'basic') return { required: ['type'], allowed: ['type', 'description'] };
    if (value.type === 'apiKey') return { required: ['type', 'name', 'in'], allowed: ['type', 'name', 'in', 'description'] };
    const urls: Record<string, string[]> = {
      implicit: ['authorizationUrl'],
      password: ['tokenUrl'],
      application: ['tokenUrl'],
      accessCode: ['authorizationUrl', 'tokenUrl'],
    };
    const flowUrls = typeof value.flow === 'string' ? urls[value.flow] : undefined;
    if (value.type === 'oauth2' && flowUrls) {
      return { required: ['type', 'flow', 'scopes', ...flowUrls], allowed: ['type', 'flow', 'scopes', 'description', ...flowUrls] };
    }
  }
  return undefined;
}

/**
 * Maps an Ajv `instancePath` in the dereferenced document to where the value is written in the bundled one,
 * following `$ref`s on the way (a parameter's error lands on `#/components/parameters/X`, not on each use).
 */
export function sourcePointer(document: unknown, instancePath: string): string {
  let node: unknown = document;
  let at: string[] = [];
  const seen = new Set<string>();
  // The validated copy holds the referenced value where a Reference Object is (cycle-guarded).
  const followRefs = (): void => {
    for (let ref = refOf(node); ref?.startsWith('#') && !seen.has(ref); ref = refOf(node)) {
      seen.add(ref);
      const target = locatePointer(document, ref);
      if (!target) return;
      node = target.value;
      at = parsePointer(target.pointer) ?? [];
    }
  };
  for (const segment of parsePointer(instancePath) ?? []) {
    if (segment !== '$ref') followRefs();
    node = Array.isArray(node) ? node[Number(segment)] : isRecord(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
    at.push(segment);
  }
  followRefs();
  return formatPointer(at);
}

/** The pointer of the object holding `pointer`, and the (unescaped) property name. */
function parentOf(pointer: string): { parent: string; property: string } {
  const slash = pointer.lastIndexOf('/');
  if (slash === -1) return { parent: pointer, property: '' };
  return { parent: pointer.slice(0, slash), property: pointer.slice(slash + 1).replace(/~1/g, '/').replace(/~0/g, '~') };
}

/** The pointer and its ancestors, nearest first: `#/a/b`, `#/a`, `#`. */
function selfAndAncestors(pointer: string): string[] {
  const result = [pointer];
  for (let slash = pointer.lastIndexOf('/'); slash > 0; slash = pointer.lastIndexOf('/', slash - 1)) result.push(pointer.slice(0, slash));
  return result;
}

function escapeSegment(segment: unknown): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function isEnum(e: AjvError): boolean {
  return e.keyword === 'enum' || e.keyword === 'const';
}

function isSingleValued(e: AjvError): boolean {
  return e.keyword === 'const' || (e.keyword === 'enum' && (e.params.allowedValues as unknown[]).length === 1);
}

/**
 * The alternative of the OpenAPI schema an error comes from: up to the last `oneOf/N` (`anyOf/N`) of its
 * schemaPath, else the named definition (`#/definitions/APIKeySecurityScheme`); `#` when Ajv does not say
 * (it restarts schemaPath in subschemas it compiles apart, as for most of the 2.0 and 3.1 schemas).
 */
function branchOf(error: AjvError): string {
  const alternative = /^(.*\/(?:oneOf|anyOf)\/\d+)(?:\/|$)/.exec(error.schemaPath);
  if (alternative) return alternative[1]!;
  const definition = /^#\/(?:definitions|\$defs)\/[^/]+/.exec(error.schemaPath);
  return definition ? definition[0] : '#';
}

function json(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function quoteList(values: readonly unknown[], limit = 12): string {
  const shown = values.slice(0, limit).map(json).join(', ');
  return values.length > limit ? `${shown}, ...` : shown;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `the ${typeof value} ${json(value)}`;
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * An alternative whose discriminating property (one that several alternatives pin to a single value, like `in`
 * or `type`) did not match is not what the author meant: its other errors are dropped. Only possible where
 * Ajv's schemaPath names the alternative (the 3.x schemas). Then, where a named alternative survives with
 * errors on the object or its fields, the errors no schemaPath names (`#`: alternatives Ajv compiled apart)
 * belong to alternatives the author did not mean either.
 */
function withoutRejectedAlternatives(errors: readonly Located[], alternatives: ReadonlySet<string>, version: SpecVersion): Located[] {
  // Per object, the discriminator is the property with a known domain, else the one most alternatives pin.
  const singles = errors.filter((e) => isSingleValued(e) && branchOf(e) !== '#');
  const discriminatorOf = new Map<string, string>();
  for (const [parent, group] of groupBy(singles, (e) => parentOf(e.pointer).parent)) {
    const score = (pointer: string): number => {
      if (discriminatorDomain(parent, parentOf(pointer).property, version)) return Infinity;
      return new Set(group.filter((e) => e.pointer === pointer).map(branchOf)).size;
    };
    const best = [...new Set(group.map((e) => e.pointer))].sort((a, b) => score(b) - score(a))[0]!;
    if (score(best) >= 2) discriminatorOf.set(parent, best);
  }
  const discriminators = new Set(singles.filter((e) => discriminatorOf.get(parentOf(e.pointer).parent) === e.pointer));
  const rejected = new Map<string, Set<string>>();
  for (const e of discriminators) {
    const { parent } = parentOf(e.pointer);
    rejected.set(parent, (rejected.get(parent) ?? new Set()).add(branchOf(e)));
  }
  const isRejected = (e: Located): boolean => selfAndAncestors(e.pointer).some((p) => rejected.get(p)?.has(branchOf(e)));
  const kept = errors.filter((e) => discriminators.has(e) || !isRejected(e));

  const live = new Set(
    kept
      .filter((e) => !discriminators.has(e) && branchOf(e) !== '#')
      .flatMap((e) => [e.pointer, parentOf(e.pointer).parent])
      .filter((pointer) => alternatives.has(pointer)),
  );
  return kept.filter((e) => !(live.has(e.pointer) && branchOf(e) === '#' && !discriminators.has(e)));
}

/**
 * Condenses Ajv errors from validating `document` (bundled) against the OpenAPI schema into located issues.
 * @see https://spec.openapis.org/oas/v3.1.0#schema
 */
export function schemaErrorsToIssues(
  errors: readonly AjvError[],
  document: unknown,
  version: SpecVersion,
  file: string,
): Issue[] {
  const specName = version === '2.0' ? 'Swagger 2.0' : `OpenAPI ${version}`;
  const fallbackHint = `Check it against the ${specName} specification.`;
  const pointers = new Map<string, string>();
  const located: Located[] = errors.map((e) => {
    if (!pointers.has(e.instancePath)) pointers.set(e.instancePath, sourcePointer(document, e.instancePath));
    return { ...e, pointer: pointers.get(e.instancePath)! };
  });
  const valueAt = (pointer: string): unknown => locatePointer(document, pointer)?.value;

  // 1. Summaries and the "maybe it is a Reference Object" alternative explain nothing by themselves.
  const alternatives = new Set(located.filter((e) => ALTERNATIVE_KEYWORDS.has(e.keyword)).map((e) => e.pointer));
  // Objects where a conditional part failed (`if` whose `then` failed) or no alternative matched.
  const partlyFailed = new Set(
    located.filter((e) => ALTERNATIVE_KEYWORDS.has(e.keyword) || (e.keyword === 'if' && e.params.failingKeyword === 'then')).map((e) => e.pointer),
  );
  let kept = located.filter((e) => !SUMMARY_KEYWORDS.has(e.keyword) && !(e.keyword === 'required' && e.params.missingProperty === '$ref'));

  // 2. Alternatives ruled out by a discriminating property.
  kept = withoutRejectedAlternatives(kept, alternatives, version);

  // `unevaluatedProperties` (3.1) lists what no passing subschema looked at, so also the fields of a conditional
  // part that failed (`name` of an apiKey scheme whose `in` is wrong). Such a report is dropped when the property
  // has errors of its own, or when it is an OpenAPI field of an object where such a part failed; an unknown key
  // (a typo) is always reported.
  const errorsWithin = new Set(kept.filter((e) => e.keyword !== 'unevaluatedProperties').flatMap((e) => selfAndAncestors(e.pointer)));
  kept = kept.filter((e) => {
    if (e.keyword !== 'unevaluatedProperties') return true;
    const name = String(e.params.unevaluatedProperty);
    if (errorsWithin.has(`${e.pointer}/${escapeSegment(name)}`)) return false;
    return !(OPENAPI_FIELDS.has(name) && partlyFailed.has(e.pointer));
  });

  // 3. Enum errors on one value: merge their allowed values, and decide whether the value is the mistake.
  //    A wrong discriminator explains everything else wrong with its object.
  const enums = [...groupBy(kept.filter(isEnum), (e) => e.pointer)].map(([pointer, group]) => {
    const allowed = [...new Set(group.flatMap((e) => (e.keyword === 'const' ? [e.params.allowedValue] : (e.params.allowedValues as unknown[]))))];
    const { parent, property } = parentOf(pointer);
    const domain = discriminatorDomain(parent, property, version);
    return { pointer, group, parent, property, domain, expected: domain ?? allowed, value: valueAt(pointer) };
  });
  const wrongDiscriminators = new Set(enums.filter((e) => e.domain && !e.domain.includes(e.value as never)).map((e) => e.parent));
  const followsFromDiscriminator = (pointer: string): boolean => selfAndAncestors(pointer).some((p) => wrongDiscriminators.has(p));
  const issues: Issue[] = [];
  /** The errors the issues were made from. */
  const used: Located[] = [];
  for (const { pointer, group, parent, property, domain, expected, value } of enums) {
    // Another alternative accepted this value: the errors came from the ones it ruled out.
    if (expected.includes(value as never)) continue;
    if (version === '2.0' && isSwagger2AlternativeNoise(pointer, expected, valueAt(parent))) continue;
    if (!(domain && wrongDiscriminators.has(parent)) && followsFromDiscriminator(pointer)) continue;
    used.push(...group);
    issues.push({
      code: 'ERR_SPEC_INVALID',
      severity: 'error',
      file,
      pointer,
      message: `${json(value)} is not an allowed value for "${property}"`,
      hint: expected.length === 1 ? `Use ${json(expected[0])}.` : `Use one of ${quoteList(expected)}.`,
    });
  }
  const enumIssues = new Set(issues.map((i) => i.pointer));
  kept = kept.filter((e) => !isEnum(e) && !followsFromDiscriminator(e.pointer));

  // 4. The rest, object by object. Where alternatives remain that cannot be told apart, one issue lists them.
  const haveErrorsInside = new Set(kept.flatMap((e) => selfAndAncestors(e.pointer).slice(1)));
  for (const [pointer, all] of groupBy(kept, (e) => e.pointer)) {
    const possible = alternatives.has(pointer)
      ? withoutImpossibleAlternatives(all, pointer, valueAt(pointer), version, haveErrorsInside.has(pointer) || enumIssues.has(pointer))
      : all;
    const group = [...new Map(possible.map((e) => [`${e.keyword}\0${json(e.params)}`, e])).values()];
    const ambiguous =
      alternatives.has(pointer) &&
      group.length > 1 &&
      group.every((e) => e.keyword === 'required' || e.keyword === 'additionalProperties') &&
      (new Set(group.map(branchOf)).size > 1 || group.some((e) => branchOf(e) === '#'));
    if (ambiguous) issues.push(alternativesIssue(group, pointer, file));
    else issues.push(...group.map((e) => singleIssue(e, valueAt(e.pointer), file, fallbackHint)));
    used.push(...possible);
  }

  // 5. An object that matched none of its alternatives and has no more specific error: neither where it is
  //    written, nor in what it references (validated in place, reported where that is written).
  const explained = new Set([...issues.map((i) => i.pointer), ...used.map((e) => `#${e.instancePath}`)].flatMap(selfAndAncestors));
  for (const e of located.filter((l) => SUMMARY_KEYWORDS.has(l.keyword))) {
    if (explained.has(e.pointer) || explained.has(`#${e.instancePath}`)) continue;
    explained.add(e.pointer);
    issues.push({ code: 'ERR_SPEC_INVALID', severity: 'error', file, pointer: e.pointer, message: 'does not match any of the forms allowed here', hint: fallbackHint });
  }

  return dedupeAndSort(issues, located);
}

/**
 * Enum errors of Swagger 2.0 alternatives that the value's own form rules out: only the File alternative of a
 * response schema pins `type` to "file", only path parameters pin `required` to true.
 * @see https://swagger.io/specification/v2/#parameter-object
 */
function isSwagger2AlternativeNoise(pointer: string, expected: readonly unknown[], parent: unknown): boolean {
  if (!isRecord(parent)) return false;
  if (/\/responses\/[^/]+\/schema\/type$/.test(pointer)) return json(expected) === '["file"]' && parent.type !== 'file';
  if (/\/parameters\/[^/]+\/required$/.test(pointer)) return json(expected) === '[true]' && parent.in !== 'path';
  return false;
}

/**
 * Drops what alternatives the author clearly did not mean asked for: a Reference Object alternative rejects
 * every key of a non-reference object; a `type` alternative (`boolean` for `additionalProperties`, `array` for
 * a 2.0 `type`) is not meant when the value is already explained; and a Swagger 2.0 parameter or security
 * scheme has a known form.
 */
function withoutImpossibleAlternatives(
  group: readonly Located[],
  pointer: string,
  value: unknown,
  version: SpecVersion,
  /** Another alternative found errors inside the value, or its value is already reported. */
  explained: boolean,
): Located[] {
  const keys = isRecord(value) ? Object.keys(value).filter((k) => !k.startsWith('x-')) : [];
  const extra = group.filter((e) => e.keyword === 'additionalProperties');
  // The Reference alternative (2.0) names every key once; a key named more often is unknown to others too.
  const referenceNoise = keys.length > 0 && keys.every((k) => extra.some((e) => e.params.additionalProperty === k));
  const skipped = new Set<string>();
  let result = group.filter((e) => {
    if (explained && e.keyword === 'type') return false;
    if (!referenceNoise || e.keyword !== 'additionalProperties') return true;
    const key = String(e.params.additionalProperty);
    if (skipped.has(key)) return true;
    skipped.add(key);
    return false;
  });
  const form = version === '2.0' ? swagger2Form(pointer, value) : undefined;
  if (form) {
    result = result.filter((e) => {
      if (e.keyword === 'required') return form.required.includes(String(e.params.missingProperty));
      if (e.keyword === 'additionalProperties') return !form.allowed.includes(String(e.params.additionalProperty));
      return true;
    });
  }
  return result;
}

/** One issue for an object whose alternatives each want something different. */
function alternativesIssue(group: readonly Located[], pointer: string, file: string): Issue {
  const missing = [...new Set(group.filter((e) => e.keyword === 'required').map((e) => e.params.missingProperty))];
  const extra = [...new Set(group.filter((e) => e.keyword === 'additionalProperties').map((e) => e.params.additionalProperty))];
  if (extra.length === 0) {
    return {
      code: 'ERR_SPEC_INVALID',
      severity: 'error',
      file,
      pointer,
      message: `must have one of the properties ${quoteList(missing).replace(/, ([^,]*)$/, ' or $1')}`,
      hint: 'Add the one that fits.',
    };
  }
  const fixes = [...missing.map((m) => `add ${json(m)}`), ...extra.map((x) => `remove ${json(x)}`)];
  return {
    code: 'ERR_SPEC_INVALID',
    severity: 'error',
    file,
    pointer,
    message: 'does not match any of the forms allowed here',
    hint: `Depending on the form you meant: ${fixes.join('; ')}.`,
  };
}

/** One Ajv error as an issue, worded for the person fixing the spec. */
function singleIssue(e: Located, value: unknown, file: string, fallbackHint: string): Issue {
  const base = { code: 'ERR_SPEC_INVALID' as const, severity: 'error' as const, file, pointer: e.pointer };
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return { ...base, message: `missing required property ${json(p.missingProperty)}`, hint: `Add ${json(p.missingProperty)} to this object.` };
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const name = String(p.additionalProperty ?? p.unevaluatedProperty);
      return {
        ...base,
        pointer: `${e.pointer}/${escapeSegment(name)}`,
        message: `property ${json(name)} is not allowed here`,
        hint: name.startsWith('x-') ? 'Remove it.' : `Remove it, or rename it to ${json(`x-${name}`)} to keep it as an extension.`,
      };
    }
    case 'type': {
      const expected = String(p.type).split(',').map(withArticle).join(' or ');
      return { ...base, message: `must be ${expected}, not ${describeValue(value)}`, hint: `Change it to ${expected}.` };
    }
    case 'minProperties':
      return p.limit === 1
        ? { ...base, message: 'must not be empty', hint: 'Add at least one entry.' }
        : { ...base, message: `must have at least ${String(p.limit)} properties`, hint: 'Add the missing entries.' };
    case 'minItems':
      return { ...base, message: `must have at least ${String(p.limit)} item(s)`, hint: 'Add the missing items.' };
    case 'pattern':
      return { ...base, message: `${json(value)} does not match the pattern ${String(p.pattern)}`, hint: 'Change it to match.' };
    case 'uniqueItems':
      return { ...base, message: `items ${String(p.j)} and ${String(p.i)} are the same`, hint: 'Remove the duplicate.' };
    default:
      return { ...base, message: e.message ?? `fails the "${e.keyword}" check`, hint: fallbackHint };
  }
}

/** Drops repeated issues and orders them as their errors came (Ajv walks the document in order). */
function dedupeAndSort(issues: readonly Issue[], located: readonly Located[]): Issue[] {
  // The index of the first error at a place, and of the first error at or below it.
  const firstAt = new Map<string, number>();
  const firstWithin = new Map<string, number>();
  located.forEach((e, index) => {
    if (!firstAt.has(e.pointer)) firstAt.set(e.pointer, index);
    for (const pointer of selfAndAncestors(e.pointer)) if (!firstWithin.has(pointer)) firstWithin.set(pointer, index);
  });
  // An issue ranks with the first error at or below its place; else with the nearest one above it.
  const rank = (pointer: string): number =>
    firstWithin.get(pointer) ?? selfAndAncestors(pointer).map((p) => firstAt.get(p)).find((i) => i !== undefined) ?? located.length;
  const unique = [...new Map(issues.map((i) => [`${i.pointer}\0${i.message}`, i])).values()];
  return unique
    .map((issue, index) => ({ issue, index, rank: rank(issue.pointer) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ issue }) => issue);
}
