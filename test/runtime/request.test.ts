/**
 * buildRequest: OpenAPI parameter serialization (OAS 3.1.1 §4.8.12.6 style table), path safety, header and cookie
 * hygiene, and request bodies. Pure: the wire-level behaviour is covered in upstream.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { BodyDefinition, ParameterDefinition, ToolDefinition } from '../../templates/runtime/definition.js';
import { SettingError } from '../../templates/runtime/errors.js';
import { buildRequest, encodeStrict } from '../../templates/runtime/request.js';
import { inputError } from './fixtures/input-error.js';

const BASE = 'https://api.example.com/v3';
const STRING = 'blue';
const ARRAY = ['blue', 'black', 'brown'];
const OBJECT = { R: 100, G: 200, B: 150 };

function param(overrides: Partial<ParameterDefinition> & Pick<ParameterDefinition, 'name' | 'in'>): ParameterDefinition {
  const style = overrides.style ?? (overrides.in === 'query' || overrides.in === 'cookie' ? 'form' : 'simple');
  return { argument: overrides.name, style, explode: style === 'form', allowReserved: false, required: false, ...overrides };
}

function tool(overrides: Partial<ToolDefinition> = {}): ToolDefinition {
  return {
    name: 'op',
    description: 'an operation',
    annotations: {},
    inputSchema: { type: 'object' },
    definitions: [],
    method: 'GET',
    path: '/items',
    parameters: [],
    scopes: [],
    roles: [],
    upstreamSecurity: [],
    source: '#/paths/~1items/get',
    ...overrides,
  };
}


describe('path parameter styles (OAS 3.1.1 §4.8.12.6)', () => {
  const table: [ParameterDefinition['style'], boolean, unknown, string][] = [
    ['simple', false, STRING, 'blue'],
    ['simple', false, ARRAY, 'blue,black,brown'],
    ['simple', false, OBJECT, 'R,100,G,200,B,150'],
    ['simple', true, STRING, 'blue'],
    ['simple', true, ARRAY, 'blue,black,brown'],
    ['simple', true, OBJECT, 'R=100,G=200,B=150'],
    ['label', false, STRING, '.blue'],
    ['label', false, ARRAY, '.blue,black,brown'],
    ['label', false, OBJECT, '.R,100,G,200,B,150'],
    ['label', true, STRING, '.blue'],
    ['label', true, ARRAY, '.blue.black.brown'],
    ['label', true, OBJECT, '.R=100.G=200.B=150'],
    ['matrix', false, STRING, ';color=blue'],
    ['matrix', false, ARRAY, ';color=blue,black,brown'],
    ['matrix', false, OBJECT, ';color=R,100,G,200,B,150'],
    ['matrix', true, STRING, ';color=blue'],
    ['matrix', true, ARRAY, ';color=blue;color=black;color=brown'],
    ['matrix', true, OBJECT, ';R=100;G=200;B=150'],
  ];
  it.each(table)('%s explode=%s %j -> %s', (style, explode, value, expected) => {
    const t = tool({ path: '/colors/{color}', parameters: [param({ name: 'color', in: 'path', style, explode, required: true })] });
    const { url } = buildRequest(t, { color: value }, BASE);
    expect(url.pathname).toBe(`/v3/colors/${expected}`);
  });

  it('serializes a parameter with content as JSON text, percent-encoded', () => {
    const t = tool({ path: '/q/{filter}', parameters: [param({ name: 'filter', in: 'path', required: true, contentType: 'application/json' })] });
    expect(buildRequest(t, { filter: { a: 1 } }, BASE).url.pathname).toBe('/v3/q/%7B%22a%22%3A1%7D');
  });
});

describe('query parameter styles (OAS 3.1.1 §4.8.12.6)', () => {
  // The table's percent-encoded forms: `|`, `[`, `]` and space must be encoded to comply with RFC 3986 (Appendix E.6).
  const table: [ParameterDefinition['style'], boolean, unknown, string][] = [
    ['form', false, '', 'color='],
    ['form', false, STRING, 'color=blue'],
    ['form', false, ARRAY, 'color=blue,black,brown'],
    ['form', false, OBJECT, 'color=R,100,G,200,B,150'],
    ['form', true, '', 'color='],
    ['form', true, STRING, 'color=blue'],
    ['form', true, ARRAY, 'color=blue&color=black&color=brown'],
    ['form', true, OBJECT, 'R=100&G=200&B=150'],
    ['spaceDelimited', false, ARRAY, 'color=blue%20black%20brown'],
    ['spaceDelimited', false, OBJECT, 'color=R%20100%20G%20200%20B%20150'],
    ['pipeDelimited', false, ARRAY, 'color=blue%7Cblack%7Cbrown'],
    ['pipeDelimited', false, OBJECT, 'color=R%7C100%7CG%7C200%7CB%7C150'],
    ['deepObject', true, OBJECT, 'color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150'],
  ];
  it.each(table)('%s explode=%s %j -> %s', (style, explode, value, expected) => {
    const t = tool({ parameters: [param({ name: 'color', in: 'query', style, explode })] });
    const { url } = buildRequest(t, { color: value }, BASE);
    expect(url.search).toBe(`?${expected}`);
    // The same pairs as the OAS 3.1.0 table's unencoded spelling (color[R]=100, blue|black|brown) once decoded.
    expect(decodeURIComponent(url.search)).toBe(`?${decodeURIComponent(expected)}`);
  });

  it('decodes deepObject to color[R]=100&color[G]=200&color[B]=150', () => {
    const t = tool({ parameters: [param({ name: 'color', in: 'query', style: 'deepObject', explode: true })] });
    expect(decodeURIComponent(buildRequest(t, { color: OBJECT }, BASE).url.search)).toBe('?color[R]=100&color[G]=200&color[B]=150');
  });

  it('repeats deepObject keys for array properties and writes nested objects as JSON', () => {
    const t = tool({ parameters: [param({ name: 'f', in: 'query', style: 'deepObject', explode: true })] });
    const { url } = buildRequest(t, { f: { tag: ['a', 'b'], range: { min: 1 } } }, BASE);
    expect(url.search).toBe('?f%5Btag%5D=a&f%5Btag%5D=b&f%5Brange%5D=%7B%22min%22%3A1%7D');
  });

  it('joins several parameters, skips undefined and null, writes numbers and booleans as text', () => {
    const t = tool({
      parameters: [
        param({ name: 'a', in: 'query' }),
        param({ name: 'skipped', in: 'query' }),
        param({ name: 'nul', in: 'query' }),
        param({ name: 'n', in: 'query' }),
        param({ name: 'b', in: 'query' }),
      ],
    });
    const { url } = buildRequest(t, { a: 'x y', skipped: undefined, nul: null, n: 1.5, b: false }, BASE);
    expect(url.search).toBe('?a=x%20y&n=1.5&b=false');
  });

  it('leaves the query out entirely when no query argument is given', () => {
    const t = tool({ parameters: [param({ name: 'a', in: 'query' })] });
    expect(buildRequest(t, {}, BASE).url.href).toBe('https://api.example.com/v3/items');
  });

  it('encodes delimiters and reserved characters inside values, so a value cannot add a parameter', () => {
    const t = tool({ parameters: [param({ name: 'q', in: 'query' }), param({ name: 'list', in: 'query', explode: false })] });
    const { url } = buildRequest(t, { q: "a&admin=true#frag+'()*!", list: ['a,b', 'c'] }, BASE);
    expect(url.search).toBe('?q=a%26admin%3Dtrue%23frag%2B%27%28%29%2A%21&list=a%2Cb,c');
    expect(url.hash).toBe('');
    expect([...url.searchParams.keys()]).toEqual(['q', 'list']);
  });

  it('lets reserved characters through with allowReserved, but never & = + # [ ] (OAS 3.1.1 §4.8.12.2.2)', () => {
    const t = tool({ parameters: [param({ name: 'path', in: 'query', allowReserved: true })] });
    const { url } = buildRequest(t, { path: 'a/b?c:d@e,f;g$h!i&j=k+l#m[n]o %41%zz' }, BASE);
    expect(url.search).toBe('?path=a/b?c:d@e,f;g$h!i%26j%3Dk%2Bl%23m%5Bn%5Do%20%41%25zz');
    expect(url.hash).toBe('');
    expect([...url.searchParams.keys()]).toEqual(['path']);
  });

  it('serializes a parameter with content application/json as JSON text', () => {
    const t = tool({ parameters: [param({ name: 'coordinates', in: 'query', contentType: 'application/json' })] });
    const { url } = buildRequest(t, { coordinates: { lat: 1, long: 2 } }, BASE);
    expect(url.searchParams.get('coordinates')).toBe('{"lat":1,"long":2}');
    expect(url.search).toBe('?coordinates=%7B%22lat%22%3A1%2C%22long%22%3A2%7D');
  });

  it('uses the argument name to find the value and the parameter name on the wire', () => {
    const t = tool({ parameters: [param({ name: 'page[size]', argument: 'page_size', in: 'query' })] });
    expect(buildRequest(t, { page_size: 10 }, BASE).url.search).toBe('?page%5Bsize%5D=10');
  });

  it('refuses a missing required parameter', () => {
    const t = tool({ parameters: [param({ name: 'q', in: 'query', required: true })] });
    expect(inputError(() => buildRequest(t, {}, BASE)).field).toBe('/q');
  });
});

describe('path safety', () => {
  const petTool = tool({ path: '/pets/{petId}/photos', parameters: [param({ name: 'petId', in: 'path', required: true })] });

  it.each([
    ['../admin', '/v3/pets/..%2Fadmin/photos'],
    ['a/b?c', '/v3/pets/a%2Fb%3Fc/photos'],
    ['%2e%2e', '/v3/pets/%252e%252e/photos'],
    ['#x', '/v3/pets/%23x/photos'],
    ['//evil.example/x', '/v3/pets/%2F%2Fevil.example%2Fx/photos'],
    ['...', '/v3/pets/.../photos'],
    ['a\\b', '/v3/pets/a%5Cb/photos'],
    ['ü ?', '/v3/pets/%C3%BC%20%3F/photos'],
  ])('keeps %j inside one path segment', (value, pathname) => {
    const { url } = buildRequest(petTool, { petId: value }, BASE);
    expect(url.origin).toBe('https://api.example.com');
    expect(url.pathname).toBe(pathname);
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
  });

  it.each(['.', '..', ''])('refuses the path value %j naming the argument', (value) => {
    const error = inputError(() => buildRequest(petTool, { petId: value }, BASE));
    expect(error.field).toBe('/petId');
    expect(error.message).toContain('/petId');
  });

  it('refuses empty arrays and objects in the path', () => {
    expect(inputError(() => buildRequest(petTool, { petId: [] }, BASE)).field).toBe('/petId');
    expect(inputError(() => buildRequest(petTool, { petId: {} }, BASE)).field).toBe('/petId');
  });

  it('refuses expansions that form a dot segment, e.g. label style of empty strings', () => {
    const t = tool({ path: '/x/{v}', parameters: [param({ name: 'v', in: 'path', style: 'label', explode: true, required: true })] });
    expect(inputError(() => buildRequest(t, { v: ['', ''] }, BASE)).field).toBe('/v');
    // Two parameters in one segment: "." + "." would also be "..".
    const pair = tool({ path: '/x/{a}{b}', parameters: [param({ name: 'a', in: 'path', style: 'label', required: true }), param({ name: 'b', in: 'path', required: true })] });
    expect(inputError(() => buildRequest(pair, { a: '', b: '.' }, BASE)).field).toBe('/a');
  });

  it('refuses the exact values "." and ".." even where the template would not make them a dot segment', () => {
    const t = tool({ path: '/files/{name}.json', parameters: [param({ name: 'name', in: 'path', required: true })] });
    expect(buildRequest(t, { name: 'v1.2' }, BASE).url.pathname).toBe('/v3/files/v1.2.json');
    expect(buildRequest(t, { name: '...' }, BASE).url.pathname).toBe('/v3/files/....json');
    for (const name of ['.', '..']) expect(inputError(() => buildRequest(t, { name }, BASE)).message).toContain(`must not be "${name}"`);
  });

  it('refuses a missing path argument', () => {
    expect(inputError(() => buildRequest(petTool, {}, BASE)).field).toBe('/petId');
  });

  it('joins base path and tool path by concatenation, stripping one trailing slash', () => {
    expect(buildRequest(tool(), {}, 'https://api.example.com/v3/').url.href).toBe('https://api.example.com/v3/items');
    expect(buildRequest(tool(), {}, 'https://api.example.com').url.href).toBe('https://api.example.com/items');
    expect(buildRequest(tool(), {}, 'http://127.0.0.1:8080/a/b').url.href).toBe('http://127.0.0.1:8080/a/b/items');
    // new URL('//evil.example/items', base) would go to evil.example; concatenation cannot.
    expect(buildRequest(tool({ path: '//evil.example/items' }), {}, BASE).url.origin).toBe('https://api.example.com');
  });

  it('refuses a template whose literal dot segments would leave the base path', () => {
    const error = inputError(() => buildRequest(tool({ path: '/../../admin' }), {}, BASE));
    expect(error.message).toContain('outside the upstream API');
  });

  it('refuses a base URL with a query, fragment or user info as a setting error', () => {
    for (const base of ['https://api.example.com/v3?x=1', 'https://api.example.com/#f', 'https://u:p@api.example.com', 'ftp://api.example.com', 'not a url']) {
      expect(() => buildRequest(tool(), {}, base)).toThrow(SettingError);
    }
  });

  it('refuses lone surrogates as input errors', () => {
    expect(inputError(() => buildRequest(petTool, { petId: '\ud800' }, BASE)).field).toBe('/petId');
  });
});

describe('headers and cookies', () => {
  it('serializes header parameters in style simple without percent-encoding', () => {
    const t = tool({
      parameters: [
        param({ name: 'X-Ids', in: 'header' }),
        param({ name: 'X-Color', in: 'header', explode: true }),
        param({ name: 'X-Flat', in: 'header' }),
        param({ name: 'X-Text', in: 'header' }),
      ],
    });
    const { headers } = buildRequest(t, { 'X-Ids': [1, 2], 'X-Color': OBJECT, 'X-Flat': OBJECT, 'X-Text': 'a b/é' }, BASE);
    expect(headers.get('x-ids')).toBe('1,2');
    expect(headers.get('x-color')).toBe('R=100,G=200,B=150');
    expect(headers.get('x-flat')).toBe('R,100,G,200,B,150');
    expect(headers.get('x-text')).toBe('a b/é');
  });

  it.each([
    ['a\r\nX-Injected: 1'],
    ['a\nb'],
    ['a\rb'],
    ['a\0b'],
    [['ok', 'a\r\nb']],
    [{ 'k\r\nX-Injected': 'v' }],
  ])('refuses header value %j with CR, LF or NUL', (value) => {
    const t = tool({ parameters: [param({ name: 'X-Trace', in: 'header' })] });
    const error = inputError(() => buildRequest(t, { 'X-Trace': value }, BASE));
    expect(error.field).toBe('/X-Trace');
    expect(error.message).toContain('CR, LF or NUL');
  });

  it('refuses other control characters and characters a header cannot carry', () => {
    const t = tool({ parameters: [param({ name: 'X-Trace', in: 'header' })] });
    expect(inputError(() => buildRequest(t, { 'X-Trace': 'a\u0007b' }, BASE)).field).toBe('/X-Trace');
    expect(inputError(() => buildRequest(t, { 'X-Trace': 'Ā' }, BASE)).field).toBe('/X-Trace');
  });

  it.each(['Host', 'Content-Length', 'Transfer-Encoding', 'Connection', 'Authorization', 'Cookie', 'Proxy-Authorization', 'Upgrade', 'TE', 'Content-Type', 'Accept'])(
    'never lets an argument set %s',
    (name) => {
      const t = tool({ parameters: [param({ name, in: 'header' })] });
      const { headers } = buildRequest(t, { [name]: 'evil' }, BASE);
      expect(headers.get(name)).toBeNull();
    },
  );

  it('combines cookie parameters into one Cookie header with percent-encoded values', () => {
    const t = tool({
      parameters: [
        param({ name: 'session', in: 'cookie' }),
        param({ name: 'ids', in: 'cookie', explode: false }),
        param({ name: 'tags', in: 'cookie', explode: true }),
      ],
    });
    const { headers } = buildRequest(t, { session: 'x; admin=1', ids: [1, 2], tags: ['a', 'b'] }, BASE);
    expect(headers.get('cookie')).toBe('session=x%3B%20admin%3D1; ids=1,2; tags=a; tags=b');
  });

  it('refuses cookie values with CR, LF or NUL, and ";" in content-serialized cookies', () => {
    const t = tool({ parameters: [param({ name: 'c', in: 'cookie' }), param({ name: 'raw', in: 'cookie', contentType: 'text/plain' })] });
    expect(inputError(() => buildRequest(t, { c: 'a\r\nb' }, BASE)).field).toBe('/c');
    expect(inputError(() => buildRequest(t, { raw: 'a; admin=1' }, BASE)).field).toBe('/raw');
    expect(inputError(() => buildRequest(t, { raw: 'a\u0007b' }, BASE)).field).toBe('/raw');
    expect(buildRequest(t, { raw: 'a,b' }, BASE).headers.get('cookie')).toBe('raw=a,b');
  });
});

describe('bodies', () => {
  const withBody = (body: Partial<BodyDefinition> & Pick<BodyDefinition, 'encoding' | 'contentType'>) =>
    tool({ method: 'POST', body: { argument: 'body', required: false, ...body } });

  it('sends JSON with its content type', () => {
    const request = buildRequest(withBody({ encoding: 'json', contentType: 'application/json' }), { body: { name: 'Rex', tags: ['a'] } }, BASE);
    expect(request.body).toBe('{"name":"Rex","tags":["a"]}');
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.method).toBe('POST');
  });

  it('sends JSON scalars, including false and 0', () => {
    expect(buildRequest(withBody({ encoding: 'json', contentType: 'application/json' }), { body: false }, BASE).body).toBe('false');
    expect(buildRequest(withBody({ encoding: 'json', contentType: 'application/json' }), { body: 0 }, BASE).body).toBe('0');
  });

  it('sends no body and no content type when the optional body is absent', () => {
    const request = buildRequest(withBody({ encoding: 'json', contentType: 'application/json' }), {}, BASE);
    expect(request.body).toBeUndefined();
    expect(request.headers.get('content-type')).toBeNull();
  });

  it('refuses a missing required body', () => {
    const t = tool({ method: 'POST', body: { argument: 'body', required: true, encoding: 'json', contentType: 'application/json' } });
    expect(inputError(() => buildRequest(t, {}, BASE)).field).toBe('/body');
  });

  it('refuses a body on GET', () => {
    const t = tool({ method: 'GET', body: { argument: 'body', required: false, encoding: 'json', contentType: 'application/json' } });
    expect(inputError(() => buildRequest(t, { body: {} }, BASE)).field).toBe('/body');
  });

  it('sends text and binary strings as they are', () => {
    expect(buildRequest(withBody({ encoding: 'text', contentType: 'text/plain' }), { body: 'héllo\n' }, BASE).body).toBe('héllo\n');
    const binary = buildRequest(withBody({ encoding: 'binary', contentType: 'application/octet-stream' }), { body: 'raw bytes' }, BASE);
    expect(binary.body).toBe('raw bytes');
    expect(binary.headers.get('content-type')).toBe('application/octet-stream');
    expect(inputError(() => buildRequest(withBody({ encoding: 'binary', contentType: 'application/octet-stream' }), { body: 1 }, BASE)).field).toBe('/body');
  });

  it('form-encodes scalars as text, arrays as repeated fields and objects as JSON by default (OAS 3.1.1 §4.8.15.2.1)', () => {
    const t = withBody({ encoding: 'form', contentType: 'application/x-www-form-urlencoded' });
    const address = { streetAddress: '123 Example Dr.', zip: '99999+1234' };
    const request = buildRequest(t, { body: { id: 'f81d4fae', n: 2, tags: ['a b', 'c&d'], address, skip: undefined } }, BASE);
    expect(request.body).toBe('id=f81d4fae&n=2&tags=a%20b&tags=c%26d&address=%7B%22streetAddress%22%3A%22123%20Example%20Dr.%22%2C%22zip%22%3A%2299999%2B1234%22%7D');
    expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(request.body as string).get('address')).toBe(JSON.stringify(address));
  });

  it('form-encodes with the Encoding Object: style, explode, contentType', () => {
    const t = withBody({
      encoding: 'form',
      contentType: 'application/x-www-form-urlencoded',
      properties: {
        filter: { style: 'deepObject', explode: true },
        ids: { style: 'form', explode: false },
        color: { explode: true },
        id: { contentType: 'application/json' },
      },
    });
    const request = buildRequest(t, { body: { filter: { a: 1 }, ids: [1, 2], color: OBJECT, id: 'x' } }, BASE);
    expect(request.body).toBe('filter%5Ba%5D=1&ids=1,2&R=100&G=200&B=150&id=%22x%22');
  });

  it('refuses a form body that is not an object', () => {
    expect(inputError(() => buildRequest(withBody({ encoding: 'form', contentType: 'application/x-www-form-urlencoded' }), { body: 'a=b' }, BASE)).field).toBe('/body');
  });

  it('builds multipart parts: fields, JSON parts, repeated arrays, declared content types; no Content-Type header', async () => {
    const t = withBody({ encoding: 'multipart', contentType: 'multipart/form-data', properties: { doc: { contentType: 'application/xml, text/xml' } } });
    const request = buildRequest(t, { body: { id: 'a1', count: 3, meta: { k: 'v' }, files: ['x', 'y'], doc: '<a/>' } }, BASE);
    expect(request.headers.get('content-type')).toBeNull();
    const form = request.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    expect(form.get('id')).toBe('a1');
    expect(form.get('count')).toBe('3');
    expect(form.getAll('files')).toEqual(['x', 'y']);
    const meta = form.get('meta') as Blob;
    expect(meta.type).toBe('application/json');
    expect(await meta.text()).toBe('{"k":"v"}');
    const doc = form.get('doc') as Blob;
    expect(doc.type).toBe('application/xml');
    expect(await doc.text()).toBe('<a/>');
  });

  it('ignores arguments that map to no parameter or body', () => {
    const t = tool({ parameters: [param({ name: 'q', in: 'query' })] });
    const request = buildRequest(t, { q: 'a', other: 'b', host: 'evil.example' }, BASE);
    expect(request.url.href).toBe('https://api.example.com/v3/items?q=a');
    expect([...request.headers.keys()]).toEqual([]);
  });
});

describe('encodeStrict', () => {
  it('encodes everything but RFC 3986 unreserved characters', () => {
    expect(encodeStrict("AZaz09-._~!*'() /?#[]@$&+,;=%")).toBe('AZaz09-._~%21%2A%27%28%29%20%2F%3F%23%5B%5D%40%24%26%2B%2C%3B%3D%25');
  });
});
