/**
 * Environment variables that look like settings of this server but are none: a typo such as `OAUTH_AUDIENCES` would
 * otherwise be ignored in silence while the operator believes it applies. Each is reported once at start, by name
 * only (a value may be a secret), with the known variable it most likely meant.
 */

/** Prefixes of the server's own variables: any other variable with one of them is suspect. */
export const SETTING_PREFIXES = ['MCP_', 'OAUTH_', 'UPSTREAM_', 'AUDIT_', 'RATE_LIMIT_', 'METRICS_'] as const;

/** A known variable is suggested outright when it is at most this many edits away. */
const MAX_SUGGESTION_DISTANCE = 2;
/** Otherwise this many known variables of the same prefix, the nearest first, are listed. */
const NEAREST_LISTED = 3;
/** Names longer than this are not compared letter by letter (their distance would be large anyway). */
const MAX_COMPARED_LENGTH = 200;

export interface UnknownSetting {
  readonly variable: string;
  /** The known variable within MAX_SUGGESTION_DISTANCE edits, if any. */
  readonly suggestion?: string;
  /** One line for the log: the name, and what to set instead. Never the value. */
  readonly message: string;
}

/**
 * Every variable of `env` with one of SETTING_PREFIXES (any case) that is not in `known`, sorted by name, each with
 * a suggestion: the closest known variable within two edits, else the nearest known variables of its prefix.
 */
export function findUnknownSettings(env: NodeJS.ProcessEnv, known: readonly string[]): UnknownSetting[] {
  const knownSet = new Set(known);
  const names = Object.keys(env)
    .filter((name) => !knownSet.has(name) && SETTING_PREFIXES.some((prefix) => name.toUpperCase().startsWith(prefix)))
    .sort();
  return names.map((name) => describeUnknown(name, [...knownSet].sort()));
}

function describeUnknown(variable: string, known: readonly string[]): UnknownSetting {
  const shown = printableName(variable);
  const upper = variable.toUpperCase();
  const ranked = known
    .map((candidate) => ({ candidate, distance: editDistance(upper, candidate) }))
    .sort((a, b) => a.distance - b.distance || (a.candidate < b.candidate ? -1 : a.candidate > b.candidate ? 1 : 0));
  const best = ranked[0];
  if (best && best.distance <= MAX_SUGGESTION_DISTANCE) {
    return { variable, suggestion: best.candidate, message: `unknown setting ${shown} is ignored; did you mean ${best.candidate}?` };
  }
  const prefix = SETTING_PREFIXES.find((candidate) => upper.startsWith(candidate))!;
  // A name ending like a known one (`_TOKEN`, `_API_KEY`) most likely means one of those: they are listed first.
  const ending = lastSegment(upper);
  const sameEnding = (name: string) => (lastSegment(name) === ending ? 0 : 1);
  const nearest = ranked
    .filter(({ candidate }) => candidate.startsWith(prefix))
    .sort((a, b) => sameEnding(a.candidate) - sameEnding(b.candidate))
    .slice(0, NEAREST_LISTED)
    .map(({ candidate }) => candidate);
  const hint = nearest.length ? `; the known ${prefix} variables nearest to it are ${nearest.join(', ')}` : `; this server reads no ${prefix} variable of that kind`;
  return { variable, message: `unknown setting ${shown} is ignored${hint} (see --help)` };
}

/** The part of a variable name after its last underscore, e.g. `TOKEN` of `UPSTREAM_GITHUB_TOKEN`. */
function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('_') + 1);
}

/** Levenshtein distance (insertions, deletions, substitutions), or a large number for over-long names. */
export function editDistance(a: string, b: string): number {
  if (a.length > MAX_COMPARED_LENGTH || b.length > MAX_COMPARED_LENGTH) return Number.MAX_SAFE_INTEGER;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** A variable name on one line, at most 100 characters: anything but printable ASCII escaped. */
function printableName(name: string): string {
  const clipped = name.length > 100 ? `${name.slice(0, 99)}…` : name;
  return clipped.replace(/[^\x21-\x7e…]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
