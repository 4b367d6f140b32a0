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
import type { SpecVersion } from '../normalize/types.js';
import { formatPointer, isRecord, locatePointer, parsePointer, refOf } from '../normalize/pointer.js';

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

/** Keywords that only summarise the failures of their alternatives. */
const SUMMARY_KEYWORDS = new Set(['oneOf', 'anyOf', 'if', 'not']);

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
    node = Array.isArray(node) ? node[Number(segment)] : isRecord(node) ? node[segment] : undefined;
    at.push(segment);
  }
  followRefs();
  return formatPointer(at);
}

function parentOf(pointer: string): { parent: string; property: string } {
  const segments = parsePointer(pointer) ?? [];
  return { parent: formatPointer(segments.slice(0, -1)), property: segments[segments.length - 1] ?? '' };
}

function isWithin(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

/** The alternative of the OpenAPI schema an error comes from (`#/definitions/X/oneOf/0`); `#` when unknown. */
function branchOf(error: AjvError): string {
  const properties = /^(.*)\/properties\/[^/]+\/(?:enum|const)$/.exec(error.schemaPath);
  if (properties) return properties[1] || '#';
  return error.schemaPath.replace(/\/[^/]+$/, '') || '#';
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
  const located: Located[] = errors.map((e) => ({ ...e, pointer: sourcePointer(document, e.instancePath) }));
  const valueAt = (pointer: string): unknown => locatePointer(document, pointer)?.value;

  // 1. Summaries and the "maybe it is a Reference Object" alternative explain nothing by themselves.
  const alternatives = new Set(located.filter((e) => SUMMARY_KEYWORDS.has(e.keyword)).map((e) => e.pointer));
  let kept = located.filter((e) => !SUMMARY_KEYWORDS.has(e.keyword) && !(e.keyword === 'required' && e.params.missingProperty === '$ref'));

  // 2. An alternative whose discriminating property did not match is not what the author meant: drop the rest of
  //    its errors (only possible where Ajv's schemaPath names the alternative, as in the 3.0 schema).
  const rejected = new Map<string, Set<string>>();
  const discriminators = new Set<Located>();
  for (const e of kept) {
    const single = e.keyword === 'const' || (e.keyword === 'enum' && (e.params.allowedValues as unknown[]).length === 1);
    const branch = branchOf(e);
    if (!single || branch === '#') continue;
    discriminators.add(e);
    const { parent } = parentOf(e.pointer);
    rejected.set(parent, (rejected.get(parent) ?? new Set()).add(branch));
  }
  const isRejected = (e: Located): boolean =>
    [...rejected].some(([parent, branches]) => isWithin(e.pointer, parent) && branches.has(branchOf(e)));
  kept = kept.filter((e) => discriminators.has(e) || !isRejected(e));

  // Where a named alternative survives with errors on the object or its fields, the errors no schemaPath names
  // (`#/...`: an alternative Ajv compiled apart) belong to alternatives the author did not mean.
  const live = new Set(
    kept
      .filter((e) => !discriminators.has(e) && branchOf(e) !== '#')
      .flatMap((e) => [e.pointer, parentOf(e.pointer).parent])
      .filter((pointer) => alternatives.has(pointer)),
  );
  kept = kept.filter((e) => !(live.has(e.pointer) && branchOf(e) === '#' && !discriminators.has(e)));

  // `unevaluatedProperties` (3.1) lists what no passing subschema looked at: when an alternative of the object
  // failed, or the property has an error of its own, it says nothing more.
  kept = kept.filter((e) => {
    if (e.keyword !== 'unevaluatedProperties') return true;
    const property = `${e.pointer}/${String(e.params.unevaluatedProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return !alternatives.has(e.pointer) && !kept.some((o) => o !== e && (o.pointer === e.pointer || isWithin(o.pointer, property)));
  });

  // 3. Enum errors on one value: merge their allowed values, and decide whether the value is the mistake.
  const issues: Issue[] = [];
  const wrongDiscriminator = new Set<string>();
  const enumPointers = [...new Set(kept.filter((e) => e.keyword === 'enum' || e.keyword === 'const').map((e) => e.pointer))];
  for (const pointer of enumPointers) {
    const value = valueAt(pointer);
    const group = kept.filter((e) => e.pointer === pointer && (e.keyword === 'enum' || e.keyword === 'const'));
    const allowed = [...new Set(group.flatMap((e) => (e.keyword === 'const' ? [e.params.allowedValue] : (e.params.allowedValues as unknown[]))))];
    const { parent, property } = parentOf(pointer);
    const domain = discriminatorDomain(parent, property, version);
    // Another alternative accepted this value: the errors came from the ones it ruled out.
    if ((domain ?? allowed).includes(value as never)) continue;
    if (domain) wrongDiscriminator.add(parent);
    issues.push({
      code: 'ERR_SPEC_INVALID',
      severity: 'error',
      file,
      pointer,
      message: `${json(value)} is not an allowed value for "${property}"`,
      hint: (domain ?? allowed).length === 1 ? `Use ${json((domain ?? allowed)[0])}.` : `Use one of ${quoteList(domain ?? allowed)}.`,
    });
  }
  kept = kept.filter((e) => e.keyword !== 'enum' && e.keyword !== 'const');
  // With a wrong discriminator, the object's other errors follow from it.
  kept = kept.filter((e) => !wrongDiscriminator.has(e.pointer));

  // 4. The rest, object by object. Where alternatives remain that cannot be told apart, one issue lists them.
  for (const pointer of [...new Set(kept.map((e) => e.pointer))]) {
    let group = kept.filter((e) => e.pointer === pointer);
    if (alternatives.has(pointer)) group = withoutImpossibleAlternatives(group, pointer, valueAt(pointer), version);
    group = group.filter((e, i) => group.findIndex((o) => o.keyword === e.keyword && json(o.params) === json(e.params)) === i);
    const ambiguous =
      alternatives.has(pointer) &&
      group.length > 1 &&
      group.every((e) => e.keyword === 'required' || e.keyword === 'additionalProperties') &&
      (new Set(group.map(branchOf)).size > 1 || group.some((e) => branchOf(e) === '#'));
    if (ambiguous) issues.push(alternativesIssue(group, pointer, file));
    else issues.push(...group.map((e) => singleIssue(e, valueAt(e.pointer), file, fallbackHint)));
  }

  // 5. An object that matched none of its alternatives and has no more specific error.
  for (const pointer of alternatives) {
    if (issues.some((i) => isWithin(i.pointer, pointer))) continue;
    issues.push({ code: 'ERR_SPEC_INVALID', severity: 'error', file, pointer, message: 'does not match any of the forms allowed here', hint: fallbackHint });
  }

  return dedupeAndSort(issues, located);
}

/**
 * Drops what alternatives the author clearly did not mean asked for: a Reference Object alternative rejects
 * every key of a non-reference object; and a Swagger 2.0 parameter or security scheme has a known form.
 */
function withoutImpossibleAlternatives(group: readonly Located[], pointer: string, value: unknown, version: SpecVersion): Located[] {
  const keys = isRecord(value) ? Object.keys(value).filter((k) => !k.startsWith('x-')) : [];
  const extra = new Set(group.filter((e) => e.keyword === 'additionalProperties').map((e) => String(e.params.additionalProperty)));
  const referenceNoise = keys.length > 1 && keys.every((k) => extra.has(k));
  let result = group.filter((e) => !(referenceNoise && e.keyword === 'additionalProperties'));
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
        pointer: `${e.pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
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
  // The first error at or below the issue's place; else the first above it.
  const order = (pointer: string): number => {
    const below = located.findIndex((e) => isWithin(e.pointer, pointer));
    if (below !== -1) return below;
    const above = located.findIndex((e) => isWithin(pointer, e.pointer));
    return above === -1 ? located.length : above;
  };
  const seen = new Set<string>();
  return issues
    .filter((i) => {
      const key = `${i.pointer}\0${i.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((issue, index) => ({ issue, index, rank: order(issue.pointer) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ issue }) => issue);
}
