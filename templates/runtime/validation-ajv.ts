/**
 * The Ajv instance that checks tool arguments, configured so that no argument can cost the server more than a bounded
 * amount of memory or time, and no property name can reach Object.prototype.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { uniqueItemsKeyword } from './validation-unique-items.js';
import { linearRegExp } from './validation-regexp.js';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule.default;

/** A fresh Ajv for JSON Schema 2020-12 tool input schemas, with ajv-formats' formats. */
export function createArgumentAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    // Specs carry keywords Ajv does not know (`example`, `x-*`, OpenAPI's `discriminator`): ignore, do not throw.
    strict: false,
    // Stop at the first failing keyword: collecting every error of a two-million-item array allocates one error
    // object per item (hundreds of megabytes from one request). The error list stays bounded by the schema.
    allErrors: false,
    // `required` and `properties` look at own properties only: an absent `constructor` or `__proto__` argument is
    // absent, not Object.prototype's.
    ownProperties: true,
    // The caller's arguments are checked as sent; the upstream must receive exactly what the model chose.
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    // Patterns run on RE2 (linear time), never on the backtracking RegExp engine.
    code: { regExp: Object.assign(linearRegExp, { code: 'linearRegExp' }) },
    // Unknown formats (e.g. `phone`) are annotations; a warning per tool on stderr would only be noise.
    logger: { log: () => {}, warn: () => {}, error: (...args: unknown[]) => console.error(...args) },
  });
  addFormats(ajv);
  replaceUrlFormat(ajv);
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(uniqueItemsKeyword());
  return ajv;
}

/**
 * `url` is not a JSON Schema format but ajv-formats defines it with a regular expression that backtracks
 * quadratically (an 8,000-character argument takes 100 ms, a megabyte minutes). It is checked instead as an
 * absolute `http`, `https` or `ftp` URI with ajv-formats' linear `uri` check (RFC 3986 §4.3).
 */
function replaceUrlFormat(ajv: Ajv2020): void {
  const uri = ajv.formats.uri;
  if (typeof uri !== 'function') throw new Error('ajv-formats no longer defines the uri format as a function');
  const isUri = uri as (text: string) => boolean;
  ajv.addFormat('url', (text: string) => /^(?:https?|ftp):\/\//i.test(text) && isUri(text));
}
