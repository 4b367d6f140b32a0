/**
 * #16: spec paths that could reach another path upstream (dot-segments, also percent-encoded; `\`; `?`; `#`;
 * control characters), in path keys, the 2.0 basePath and server URLs, are located errors (ERR_SPEC_PATH).
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/errors.js';
import { normalizeSpec } from '../../src/normalize/normalize-spec.js';
import { pathTemplateProblem, serverUrlProblem } from '../../src/normalize/path-safety.js';
import type { SpecVersion } from '../../src/normalize/types.js';

const ok = { responses: { '200': { description: 'ok' } } };

function lines(version: SpecVersion, document: Record<string, unknown>): string[] {
  const header = version === '2.0' ? { swagger: '2.0' } : { openapi: version === '3.0' ? '3.0.3' : '3.1.0' };
  const { issues } = normalizeSpec({ file: 'spec.yaml', document: { ...header, info: { title: 'T', version: '1' }, ...document }, specVersion: version });
  return issues.map(formatIssue);
}

/** A deterministic pseudo-random generator (mulberry32), so the generated cases are the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DOT_HINT = 'Remove "." and ".." segments (also percent-encoded ones such as %2e%2e): write the path the way the upstream API resolves it.';

describe('#16 path keys', () => {
  it.each([
    ['/a/../admin', '".."'],
    ['/a/./b', '"."'],
    ['/a/..', '".."'],
    ['/%2e%2e/admin', '"%2e%2e" (".." once percent-decoded)'],
    ['/%2E./admin', '"%2E." (".." once percent-decoded)'],
    ['/.%2e/admin', '".%2e" (".." once percent-decoded)'],
    ['/%2e/admin', '"%2e" ("." once percent-decoded)'],
    ['/%252e%252E/admin', '"%252e%252E" (".." once percent-decoded)'],
    ['/a%2F..%2Fadmin', '"a%2F..%2Fadmin" ("a/../admin" once percent-decoded)'],
    ['/a%5c..%5cadmin', '"a%5c..%5cadmin" ("a\\\\..\\\\admin" once percent-decoded)'],
    ['/{id}/../{id}', '".."'],
  ])('#16 refuses the dot-segment in %s', (path, segment) => {
    expect(pathTemplateProblem(path, `path ${JSON.stringify(path)}`)).toEqual({
      message: `path ${JSON.stringify(path)} has the segment ${segment}, which a URL parser resolves, so the request would reach another path`,
      hint: DOT_HINT,
    });
  });

  it.each([
    ['/a\\..\\admin', 'contains "\\\\", which URL parsers read as "/"', 'Use "/" between segments.'],
    ['/a?admin=1', 'contains "?", which would start the query string', 'Declare query parameters under parameters (in: query) instead.'],
    ['/a#x', 'contains "#", which would start a fragment', 'Remove it, or write it percent-encoded as %23.'],
    ['/a/.\t./admin', 'contains U+0009 (a control character), which URL parsers remove or reject', 'Remove it.'],
    ['/a/.\n./admin', 'contains U+000A (a control character), which URL parsers remove or reject', 'Remove it.'],
    ['/a\u0085b', 'contains U+0085 (a control character), which URL parsers remove or reject', 'Remove it.'],
  ])('#16 refuses the character in %j', (path, problem, hint) => {
    expect(pathTemplateProblem(path, 'path')).toEqual({ message: `path ${problem}`, hint });
  });

  it.each(['/', '/.well-known/openid-configuration', '/v1.0/items', '/a/.../b', '/a..b/c.', '/files/{name}.json', '/a/%2e%2e%2e', '/a%2Fb', '/%25'])(
    '#16 accepts %s',
    (path) => expect(pathTemplateProblem(path, 'path')).toBeUndefined(),
  );

  it('#16 every path it accepts keeps its segments through a WHATWG URL parser, also when decoded once more', () => {
    const pieces = ['a', '.', '..', '%2e', '%2E', '%252e', '%2f', '%2F', '%5c', '%5C', '%25', '2e', '\\', '/', '?', '#', '\t', '\n', '{id}', 'v1.0', '.well-known'];
    const next = random(16);
    let accepted = 0;
    for (let n = 0; n < 5000; n++) {
      const path = `/${Array.from({ length: 1 + Math.floor(next() * 6) }, () => pieces[Math.floor(next() * pieces.length)]).join('')}`;
      if (pathTemplateProblem(path, 'path') !== undefined) continue;
      accepted++;
      const once = path.replace(/%25/gi, '%').replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
      for (const candidate of [path, once]) {
        const url = new URL(`https://api.example.com/base${candidate}`);
        expect([candidate, url.pathname.split('/').length, url.search, url.hash]).toEqual([candidate, `/base${candidate}`.split(/[/\\]/).length, '', '']);
      }
    }
    expect(accepted).toBeGreaterThan(500);
  });

  it('#16 reports each bad path key at its path item, every one in one run', () => {
    expect(lines('3.0', { paths: { '/ok': { get: ok }, '/a/../admin': { get: ok }, '/b?x=1': { get: ok }, 'x-note': 'not a path' } })).toEqual([
      `spec.yaml#/paths/~1a~1..~1admin: path "/a/../admin" has the segment "..", which a URL parser resolves, so the request would reach another path. ${DOT_HINT} [ERR_SPEC_PATH]`,
      'spec.yaml#/paths/~1b?x=1: path "/b?x=1" contains "?", which would start the query string. Declare query parameters under parameters (in: query) instead. [ERR_SPEC_PATH]',
    ]);
  });

  it('#16 reports a 2.0 basePath with a dot-segment', () => {
    expect(lines('2.0', { host: 'api.example.com', basePath: '/api/%2e%2e', paths: { '/a': { get: ok } } })).toEqual([
      `spec.yaml#/basePath: basePath "/api/%2e%2e" has the segment "%2e%2e" (".." once percent-decoded), which a URL parser resolves, so the request would reach another path. ${DOT_HINT} [ERR_SPEC_PATH]`,
    ]);
  });
});

describe('#16 server URLs', () => {
  const HINT = 'Remove ".." segments (also percent-encoded ones such as %2e%2e): write the base path it resolves to.';
  const leaves = (url: string, segment: string, subject = `the server URL ${JSON.stringify(url)}`) =>
    `${subject} has the segment ${segment}, which a URL parser resolves, so every request would leave the API's base path. ${HINT} [ERR_SPEC_PATH]`;

  it.each([
    ['https://api.example.com/v1/../admin', '".."'],
    ['https://api.example.com/v1/%2E%2e', '"%2E%2e" (".." once percent-decoded)'],
    ['https://api.example.com\\..\\admin', '".."'],
    ['../internal', '".."'],
    ['//api.example.com/..', '".."'],
  ])('#16 refuses %s', (url, segment) => {
    const problem = serverUrlProblem(url, 'the server URL');
    if (url.includes('\\')) expect(problem?.message).toBe('the server URL contains "\\\\", which URL parsers read as "/"');
    else expect(problem?.message).toBe(`the server URL has the segment ${segment}, which a URL parser resolves, so every request would leave the API's base path`);
  });

  it.each(['https://api.example.com/v1.0/', 'https://api.example.com:8443', '/', './v1', 'https://api.example.com/a?b=..', 'https://{region}.example.com/{version}'])(
    '#16 accepts %s',
    (url) => expect(serverUrlProblem(url, 'the server URL')).toBeUndefined(),
  );

  it('#16 reports server URLs of the document, path items and operations, also with variables at their defaults', () => {
    const document = {
      servers: [
        { url: 'https://api.example.com/v1' },
        { url: 'https://api.example.com/{base}/x', variables: { base: { default: '..' } } },
      ],
      paths: {
        '/a': {
          servers: [{ url: 'https://api.example.com/a/../b' }],
          get: ok,
          put: { ...ok, servers: [{ url: 'https://api.example.com/%2e%2e' }] },
        },
      },
    };
    expect(lines('3.1', document)).toEqual([
      `spec.yaml#/servers/1/url: ${leaves('https://api.example.com/..', '".."', 'the server URL "https://api.example.com/{base}/x" (with its variables at their defaults: "https://api.example.com/../x")')}`,
      `spec.yaml#/paths/~1a/servers/0/url: ${leaves('https://api.example.com/a/../b', '".."')}`,
      `spec.yaml#/paths/~1a/put/servers/0/url: ${leaves('https://api.example.com/%2e%2e', '"%2e%2e" (".." once percent-decoded)')}`,
    ]);
  });
});
