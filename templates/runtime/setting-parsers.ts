/**
 * Small, reusable parsers for the text of one environment variable: integers in a range, one of a few words, URLs,
 * lists. Each returns the typed value or the problem in words (`"abc" is not an integer from 0 to 65535`); the
 * setting definition that uses it turns a problem into a SettingError naming the variable with its example. Pure.
 */

import { isIP } from 'node:net';

/** A parsed value, or what is wrong with the text (a phrase that follows the variable name). */
export type Parsed<T> = { readonly value: T } | { readonly problem: string };

/** Parses the trimmed, non-empty text of a variable. */
export type Parser<T> = (text: string) => Parsed<T>;

/** A successful parse. */
export function ok<T>(value: T): Parsed<T> {
  return { value };
}

/** A failed parse: `problem` reads after the variable name, e.g. `"x" is not an origin`. */
export function fail(problem: string): Parsed<never> {
  return { problem };
}

/** Any non-empty text, as given. */
export function text(): Parser<string> {
  return ok;
}

/** A whole decimal number from `min` to `max` (no sign, fraction or exponent), described as `noun` when refused. */
export function integer(min: number, max: number, noun = 'an integer'): Parser<number> {
  return (value) => {
    const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    return Number.isSafeInteger(number) && number >= min && number <= max ? ok(number) : fail(`"${value}" is not ${noun} from ${min} to ${max}`);
  };
}

/** One of `choices`, compared case-insensitively; the value is the choice as written here. */
export function oneOf<const T extends string>(...choices: readonly T[]): Parser<T> {
  const listed = choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`;
  return (value) => {
    const choice = choices.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
    return choice === undefined ? fail(`"${value}" is not ${listed}`) : ok(choice);
  };
}

/** A host name (RFC 1123) or IP address; a bracketed IPv6 literal, as written in URLs, is given to listen() bare. */
export function hostName(): Parser<string> {
  const hostname = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
  return (value) => {
    const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
    return isIP(bare) !== 0 || hostname.test(bare) ? ok(bare) : fail(`"${value}" is not a host name or IP address`);
  };
}

/** An absolute http(s) URL without credentials or fragment, kept as given (a query is allowed). */
export function httpUrl(): Parser<string> {
  return (value) => {
    const problem = httpUrlProblem(value);
    return problem ? fail(`"${value}" ${problem}`) : ok(value);
  };
}

/** Why `value` cannot be an absolute http(s) URL to send requests to, or undefined when it can. */
export function httpUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'is not an http(s) URL';
  // fetch() refuses URLs with credentials; they belong in the UPSTREAM_* credential variables.
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.hash) return 'must not contain a fragment';
  return undefined;
}

/**
 * An https URL of the authorization setup (see urlProblem): normalized by the URL parser unless `keepAsGiven` (an
 * issuer is compared as an exact string, RFC 8414 §3.3); a query only when `query` allows it.
 */
export function httpsUrl(options: { readonly keepAsGiven?: boolean; readonly query?: boolean } = {}): Parser<string> {
  return (value) => {
    const problem = urlProblem(value, options.query ?? false);
    if (problem) return fail(`"${value}" ${problem}`);
    return ok(options.keepAsGiven ? value : new URL(value).href);
  };
}

/**
 * Why `value` cannot be a URL of the authorization setup, or undefined when it can: an absolute https URL without
 * credentials or fragment (nor query, unless allowed); plain http only for a loopback host (MCP 2025-11-25
 * basic/transports#security-warning).
 */
export function urlProblem(value: string, allowQuery = false): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'is not an https URL';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return 'must use https (plain http is accepted for loopback hosts only)';
  if (url.username || url.password) return 'must not contain a user name or password';
  // RFC 8707 §2 and RFC 8414 §2: resource and issuer identifiers carry no fragment and no query.
  if (url.hash || value.includes('#')) return 'must not contain a fragment';
  if (!allowQuery && url.search) return 'must not contain a query';
  return undefined;
}

/** Whether `host` (a name, an IP, or a bracketed IPv6) is a loopback address. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

export interface ListOptions {
  /** What separates the items (empty items are dropped). */
  readonly separator: RegExp | string;
  /** When set, a list without items is refused: `"," names no <required>`. */
  readonly required?: string;
  /** Drop repeated items, keeping the first. */
  readonly unique?: boolean;
}

/** A list of items, each parsed by `item`; the first bad item is the problem. */
export function list<T>(item: Parser<T>, options: ListOptions): Parser<readonly T[]> {
  return (value) => {
    const items: T[] = [];
    for (const entry of value.split(options.separator).map((part) => part.trim()).filter(Boolean)) {
      const parsed = item(entry);
      if ('problem' in parsed) return parsed;
      items.push(parsed.value);
    }
    if (items.length === 0 && options.required) return fail(`"${value}" names no ${options.required}`);
    return ok(options.unique ? [...new Set(items)] : items);
  };
}

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) — which also keeps it safe in a quoted challenge. */
export function scopeToken(): Parser<string> {
  return (value) => (/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(value) ? ok(value) : fail(`"${value}" is not a valid scope`));
}

/** A serialized web origin (RFC 6454 §6.2): scheme, host and port, nothing else (a trailing "/" aside). */
export function origin(): Parser<string> {
  return (value) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin.toLowerCase() !== value.replace(/\/$/, '').toLowerCase()) {
      return fail(`"${value}" is not an origin like https://app.example.com`);
    }
    return ok(url.origin);
  };
}
