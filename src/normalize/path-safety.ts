/**
 * Paths that would reach another resource than the one written: keys of the Paths Object, the 2.0 `basePath`, and
 * the paths of server URLs. A URL parser removes dot-segments (also percent-encoded ones, RFC 3986 §5.2.4 and the
 * WHATWG URL Standard's path state), reads `\` as `/` and drops tabs and line breaks, and `?` or `#` would end the
 * path; any of these in a spec path could send a tool's request to another path of the upstream API.
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4
 * @see https://url.spec.whatwg.org/#path-state
 * @see https://spec.openapis.org/oas/v3.1.0#paths-object
 */
import { describeCharacter } from './names.js';

/** What is wrong with a path, and how to fix it. */
export interface PathProblem {
  readonly message: string;
  readonly hint: string;
}

const DOT_SEGMENT_HINT =
  'Remove "." and ".." segments (also percent-encoded ones such as %2e%2e): write the path the way the upstream API resolves it.';

/**
 * Checks a path template (a key of `paths`, or the 2.0 `basePath`): no control characters, `\`, `?` or `#`, and no
 * `.` or `..` segment, however percent-encoded. `subject` names it in the message (`path "/a/../b"`).
 * @see https://spec.openapis.org/oas/v3.1.0#paths-object
 */
export function pathTemplateProblem(path: string, subject: string): PathProblem | undefined {
  const character = [...path].find((c) => /^[\u0000-\u001f\u007f-\u009f\\?#]$/.test(c));
  if (character !== undefined) return characterProblem(subject, character);
  const segment = dotSegment(path, ['.', '..']);
  if (segment === undefined) return undefined;
  return { message: `${subject} has the segment ${describeSegment(segment)}, which a URL parser resolves, so the request would reach another path`, hint: DOT_SEGMENT_HINT };
}

/**
 * Checks the path of a server URL (absolute or relative): no control characters or `\`, and no `..` segment,
 * however percent-encoded; `?` and `#` end the path, so what follows them is not checked here.
 * @see https://spec.openapis.org/oas/v3.1.0#server-object
 */
export function serverUrlProblem(url: string, subject: string): PathProblem | undefined {
  const character = [...url].find((c) => /^[\u0000-\u001f\u007f-\u009f\\]$/.test(c));
  if (character !== undefined) return characterProblem(subject, character);
  const path = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:(\/\/[^/?#]*)?/, '').replace(/[?#][\s\S]*$/, '');
  const segment = dotSegment(path, ['..']);
  if (segment === undefined) return undefined;
  return {
    message: `${subject} has the segment ${describeSegment(segment)}, which a URL parser resolves, so every request would leave the API's base path`,
    hint: 'Remove ".." segments (also percent-encoded ones such as %2e%2e): write the base path it resolves to.',
  };
}

function characterProblem(subject: string, character: string): PathProblem {
  const [why, hint] =
    character === '\\'
      ? ['which URL parsers read as "/"', 'Use "/" between segments.']
      : character === '?'
        ? ['which would start the query string', 'Declare query parameters under parameters (in: query) instead.']
        : character === '#'
          ? ['which would start a fragment', 'Remove it, or write it percent-encoded as %23.']
          : ['which URL parsers remove or reject', 'Remove it.'];
  return { message: `${subject} contains ${describeCharacter(character)}, ${why}`, hint };
}

/** The first `/`-separated segment that is one of `dots` once percent-decoded (at any depth), or undefined. */
function dotSegment(path: string, dots: readonly string[]): string | undefined {
  return path.split('/').find((segment) => decodeSeparators(segment).split(/[/\\]/).some((piece) => dots.includes(piece)));
}

/**
 * Decodes the escapes of `.`, `/` and `\`, also when encoded several times (`%252e` is `%2e` once decoded): an
 * upstream that decodes twice would see them. Linear: each escape is one regular expression match.
 */
function decodeSeparators(segment: string): string {
  return segment.replace(/%(?:25)*2e/gi, '.').replace(/%(?:25)*2f/gi, '/').replace(/%(?:25)*5c/gi, '\\');
}

/** `".."`, or `"%2e%2e" (".." once percent-decoded)`. */
function describeSegment(segment: string): string {
  const decoded = decodeSeparators(segment);
  return decoded === segment ? JSON.stringify(segment) : `${JSON.stringify(segment)} (${JSON.stringify(decoded)} once percent-decoded)`;
}
