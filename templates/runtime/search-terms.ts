/**
 * The words of tool search: how a text (a tool's name, summary, path, a caller's query) becomes index terms. The
 * generator uses it to build search-index.json and the server to read queries, so both sides agree term for term.
 *
 * Steps: markup and URLs dropped; split at anything that is not a letter or digit and at case changes
 * (`getPetById` → get, pet, by, id; `repos/get-content` → repos, get, content; `HTTPServer` → http, server); lower case; stop words dropped;
 * a light suffix stripper (plural -s/-es/-ies, -ing, -ed) so `issues`, `issue` and `issued` meet; and verbs that
 * mean the same operation mapped to one (`fetch`, `retrieve`, `show` → get; `add`, `new` → create, ...).
 */

/** Words too common in API texts (and queries) to tell tools apart. */
const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'about', 'all', 'also', 'an', 'and', 'any', 'are', 'as', 'at', 'be', 'been', 'but', 'by', 'can', 'do', 'does',
  'for', 'from', 'given', 'has', 'have', 'how', 'i', 'if', 'in', 'into', 'is', 'it', 'its', 'me', 'mine', 'my', 'of',
  'on', 'or', 'our', 'please', 'should', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'them', 'then', 'there',
  'these', 'this', 'those', 'to', 'up', 'us', 'via', 'want', 'was', 'we', 'were', 'what', 'when', 'which', 'who',
  'will', 'with', 'would', 'you', 'your',
]);

/** Words left as they are by the suffix stripper (it would damage them). */
const KEEP: ReadonlySet<string> = new Set(['status', 'access', 'address', 'alias', 'business', 'canvas', 'process', 'always', 'news', 'series', 'analysis', 'class', 'pass', 'bus', 'us', 'is', 'has', 'was', 'this', 'gas', 'yes', 'species', 'thing', 'string', 'ring', 'king', 'bring', 'ping', 'sing', 'spring', 'need', 'seed', 'feed', 'speed', 'embed', 'shed', 'red', 'bed', 'bred']);

/**
 * Words for the same operation, mapped to the one the index keeps (after stemming). Only near-exact synonyms: `list`
 * and `get` stay apart, as APIs use them for different tools (a collection, one item).
 */
const SYNONYM_WORDS: readonly (readonly [string, string])[] = [
  ['fetch', 'get'], ['retrieve', 'get'], ['read', 'get'], ['show', 'get'], ['view', 'get'], ['see', 'get'], ['obtain', 'get'],
  ['add', 'create'], ['new', 'create'], ['make', 'create'], ['open', 'create'], ['insert', 'create'], ['register', 'create'],
  ['remove', 'delete'], ['destroy', 'delete'], ['erase', 'delete'], ['drop', 'delete'],
  ['edit', 'update'], ['modify', 'update'], ['change', 'update'], ['patch', 'update'], ['set', 'update'],
  ['find', 'search'], ['lookup', 'search'], ['query', 'search'],
  ['enumerate', 'list'], ['browse', 'list'],
  // Long words and the short forms APIs use for them (`/repos/{repo}`, `/orgs/{org}`).
  ['repository', 'repo'], ['organization', 'org'], ['organisation', 'org'], ['configuration', 'config'],
  ['application', 'app'], ['environment', 'env'], ['information', 'info'], ['administrator', 'admin'],
  ['authentication', 'auth'], ['statistic', 'stat'], ['specification', 'spec'], ['directory', 'dir'],
  ['identifier', 'id'], ['parameter', 'param'], ['reference', 'ref'], ['description', 'desc'],
];
/** SYNONYM_WORDS by stem (`removing` and `removed` stem as `remove` does). */
const SYNONYMS: ReadonlyMap<string, string> = new Map(SYNONYM_WORDS.map(([word, canonical]) => [stem(word), stem(canonical)]));

/** Longest word kept: longer runs (hashes, encoded data) are not words anyone searches for. */
const MAX_WORD_LENGTH = 40;

/**
 * `word` (lower case) without a plural or -ing/-ed ending: `issues` → issue, `policies` → policy, `starred` → star.
 * A final `e` stays (`create` is not `created`: API texts say "created" mostly of timestamps, not of the action).
 */
export function stem(word: string): string {
  if (word.length <= 3 || KEEP.has(word) || /\d/.test(word)) return word;
  return stripSuffix(word);
}

function stripSuffix(word: string): string {
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(ss|us|is)$/.test(word)) return word;
  if (/(sses|shes|ches|xes|zes)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s')) return word.slice(0, -1);
  if (word.endsWith('ing') && word.length > 5) return undouble(word.slice(0, -3));
  if (word.endsWith('ed') && word.length > 4) return word.endsWith('ied') ? `${word.slice(0, -3)}y` : undouble(word.slice(0, -2));
  return word;
}

/** `starr` → star, `mapp` → map: the doubled consonant of `starred`, `mapping`; `e` restored where a stem needs it is not attempted. */
function undouble(stemmed: string): string {
  return /([b-df-hj-np-tv-z])\1$/.test(stemmed) && !/(ll|ss|zz)$/.test(stemmed) ? stemmed.slice(0, -1) : stemmed;
}

/**
 * One word of a text: a plural acronym (`IDs`, `URLs`), a run of capitals before a capitalized word (`HTTP` of `HTTPServer`), a capitalized or
 * lower-case word (`Pet`, `get` of `getPetById`), a run of capitals, each with the digits that follow (`v2`, `OAuth2`),
 * a run of digits, or a run of letters without case (most scripts other than Latin, Greek, Cyrillic).
 */
const WORD = /\p{Lu}{2,}s(?!\p{Ll})|\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?[\p{Ll}\p{M}\p{N}]+|\p{Lu}+\p{N}*|\p{N}+|[\p{Lo}\p{Lt}\p{Lm}\p{M}]+/gu;

/** WORD for text without a character beyond ASCII (most API texts): the same matches, found several times faster. */
const ASCII_WORD = /[A-Z]{2,}s(?![a-z])|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z0-9]+|[A-Z]+[0-9]*|[0-9]+/g;

/** Longest text read of one field: enough for the opening of a long description, whose words are the ones indexed. */
const MAX_TEXT_LENGTH = 20_000;

/** The words of `text`, in order: markup and URLs removed, split at separators and case changes, lower case. */
export function words(text: string): string[] {
  const out: string[] = [];
  eachWord(text, (word) => {
    out.push(word);
    return true;
  });
  return out;
}

/** Calls `take` with each word of `words(text)` in turn, until it returns false (a caller that needs only the first few stops there). */
function eachWord(text: string, take: (word: string) => boolean): void {
  const plain = text
    .slice(0, MAX_TEXT_LENGTH)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\]\([^)]*\)/g, ' ')
    .replace(/\b(?:https?|ftp):\/\/\S+/gi, ' ')
    .replace(/&[a-z]+;|&#\d+;/gi, ' ');
  const pattern = /^[\x00-\x7f]*$/.test(plain) ? ASCII_WORD : WORD;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(plain); match !== null; match = pattern.exec(plain)) {
    if (match[0].length <= MAX_WORD_LENGTH && !take(match[0].toLowerCase())) break;
  }
  pattern.lastIndex = 0;
}

/** The index term of one lower-case word, or undefined for a stop word. */
export function termOf(word: string): string | undefined {
  const known = TERMS.get(word);
  if (known !== undefined) return known === '' ? undefined : known;
  const stemmed = STOP_WORDS.has(word) ? undefined : stem(word);
  const term = stemmed === undefined ? undefined : (SYNONYMS.get(stemmed) ?? stemmed);
  // API texts repeat their words: the index of a large API asks for the same few thousand over and over.
  if (TERMS.size >= MAX_REMEMBERED_TERMS) TERMS.clear();
  TERMS.set(word, term ?? '');
  return term;
}

/** Words already turned into terms (`''`: a stop word); bounded, as a server's callers choose the words. */
const TERMS = new Map<string, string>();
const MAX_REMEMBERED_TERMS = 50_000;

/** The index terms of `text`, in order (repeats kept: they are the term frequencies); at most `limit` of them. */
export function searchTerms(text: string, limit = Number.POSITIVE_INFINITY): string[] {
  const terms: string[] = [];
  if (limit <= 0) return terms;
  eachWord(text, (word) => {
    const term = termOf(word);
    if (term !== undefined) terms.push(term);
    return terms.length < limit;
  });
  return terms;
}
