/**
 * #12: which tools need the user's consent at generate time — DELETE by default, `x-mcp-confirm` true/false/object,
 * the config's `confirm` (selector, arguments, deletes) with located issues — and the question's parts: one printable,
 * bounded line each, never an argument bound to a claim, the same on every run.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { formatIssue } from '../../src/errors.js';
import { buildModel } from '../../src/model/build-model.js';
import { consentLine } from '../../src/model/consent-text.js';
import { normalizeSpec } from '../../src/normalize/normalize-spec.js';
import { toServerDefinition } from '../../src/emit/emit-server.js';

const ok = { responses: { '200': { description: 'ok' } } };
const id = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

function generate(paths: Record<string, unknown>, config: unknown = {}, title = 'Payments API') {
  const document = { openapi: '3.1.0', info: { title, version: '1' }, servers: [{ url: 'https://api.example.com' }], paths };
  const normalized = normalizeSpec({ file: 'spec.yaml', document, specVersion: '3.1' });
  const built = buildModel(normalized.value!, parseConfig(config, 'portcullis.yaml'), { specFile: 'spec.yaml' });
  const model = built.value!;
  const issues = [...normalized.issues, ...built.issues];
  const definition = toServerDefinition(model);
  return {
    model,
    lines: issues.filter((issue) => issue.code !== 'WARN_SPEC_UNPROTECTED_WRITE').map(formatIssue),
    consent: (name: string) => definition.tools.find((tool) => tool.name === name)!.consent,
    from: (name: string) => model.tools.find((tool) => tool.name === name)!.consent?.from,
  };
}

const PAYMENTS = {
  '/payments': {
    get: { operationId: 'listPayments', summary: 'List payments', ...ok },
    post: { operationId: 'createPayment', summary: 'Charge a card', tags: ['money'], ...ok },
  },
  '/accounts/{accountId}/payments/{paymentId}': {
    parameters: [id('paymentId'), id('accountId')],
    get: { operationId: 'getPayment', ...ok },
    delete: { operationId: 'deletePayment', summary: 'Delete a payment record', ...ok },
  },
  '/payments/{paymentId}/refund': {
    post: {
      operationId: 'refundPayment',
      summary: 'Refund a payment',
      parameters: [id('paymentId'), { name: 'reason', in: 'query', schema: { type: 'string' } }],
      requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { amount: { type: 'integer' } } } } } },
      ...ok,
    },
  },
};

describe('#12 which tools need consent', () => {
  it('#12 every DELETE asks by default: API title, summary, request, the path parameters in path order, cannot be undone', () => {
    const { lines, consent, from } = generate(PAYMENTS);
    expect(lines).toEqual([]);
    expect(consent('deletePayment')).toEqual({
      system: 'Payments API',
      action: 'Delete a payment record',
      request: 'DELETE /accounts/{accountId}/payments/{paymentId}',
      arguments: ['accountId', 'paymentId'],
      consequence: 'This cannot be undone.',
    });
    expect(from('deletePayment')).toBe('DELETE default');
    for (const name of ['listPayments', 'createPayment', 'getPayment', 'refundPayment']) expect(consent(name)).toBeUndefined();
  });

  it('#12 x-mcp-confirm: true adds a tool (no consequence unless given), false opts a DELETE out, the object form gives the consequence', () => {
    const { lines, consent, from } = generate({
      '/payments': { post: { operationId: 'createPayment', 'x-mcp-confirm': true, ...ok } },
      '/payments/{paymentId}': {
        delete: { operationId: 'deletePayment', 'x-mcp-confirm': false, parameters: [id('paymentId')], ...ok },
        put: { operationId: 'replacePayment', 'x-mcp-confirm': { consequence: '  The old\npayment is\tlost.  ' }, parameters: [id('paymentId')], ...ok },
        patch: { operationId: 'patchPayment', 'x-mcp-confirm': false, parameters: [id('paymentId')], ...ok },
      },
      '/keys/{keyId}': {
        'x-mcp-confirm': true,
        parameters: [id('keyId')],
        get: { operationId: 'getKey', 'x-mcp-confirm': false, ...ok },
        post: { operationId: 'rotateKey', ...ok },
      },
    });
    expect(lines).toEqual([]);
    expect(consent('createPayment')).toEqual({ system: 'Payments API', action: 'POST /payments', request: 'POST /payments', arguments: [] });
    expect(from('createPayment')).toBe('x-mcp-confirm');
    expect(consent('deletePayment')).toBeUndefined();
    expect(consent('patchPayment')).toBeUndefined();
    expect(consent('replacePayment')).toEqual({
      system: 'Payments API',
      action: 'PUT /payments/{paymentId}',
      request: 'PUT /payments/{paymentId}',
      arguments: ['paymentId'],
      consequence: 'The old payment is lost.',
    });
    // On the path item: every operation of it, unless the operation says otherwise.
    expect(consent('rotateKey')?.arguments).toEqual(['keyId']);
    expect(consent('getKey')).toBeUndefined();
  });

  it('#12 the object form of x-mcp-confirm on a DELETE replaces the default consequence', () => {
    const { consent } = generate({ '/a/{id}': { delete: { operationId: 'archive', 'x-mcp-confirm': { consequence: 'It is archived for 30 days.' }, parameters: [id('id')], ...ok } } });
    expect(consent('archive')?.consequence).toBe('It is archived for 30 days.');
  });

  it('#12 config confirm: any listed tag, operationId, path or method selects; arguments choose what the question shows, in order', () => {
    const { lines, consent, from } = generate(PAYMENTS, {
      confirm: { tags: ['money'], operations: ['getPayment'], arguments: { refundPayment: ['body', 'paymentId'] } },
    });
    expect(lines).toEqual([]);
    expect(from('createPayment')).toBe('config');
    expect(consent('createPayment')).toEqual({ system: 'Payments API', action: 'Charge a card', request: 'POST /payments', arguments: [] });
    expect(consent('getPayment')?.arguments).toEqual(['accountId', 'paymentId']);
    // An arguments entry selects its tool too.
    expect(consent('refundPayment')).toEqual({
      system: 'Payments API',
      action: 'Refund a payment',
      request: 'POST /payments/{paymentId}/refund',
      arguments: ['body', 'paymentId'],
    });
    expect(from('deletePayment')).toBe('DELETE default');
    expect(consent('listPayments')).toBeUndefined();

    const byMethodAndPath = generate(PAYMENTS, { confirm: { methods: ['POST'], paths: ['/accounts/**'] } });
    expect(byMethodAndPath.model.tools.filter((tool) => tool.consent).map((tool) => tool.name)).toEqual(['createPayment', 'getPayment', 'deletePayment', 'refundPayment']);
  });

  it('#12 config arguments keyed by tool name (for operations without an operationId); [] shows none', () => {
    const { lines, consent } = generate({ '/items/{itemId}': { delete: { parameters: [id('itemId')], ...ok } } }, { confirm: { arguments: { delete_items_itemId: [] } } });
    expect(lines).toEqual([]);
    expect(consent('delete_items_itemId')?.arguments).toEqual([]);
  });

  it('#12 confirm: { deletes: false } turns the DELETE default off; x-mcp-confirm and the selector still apply', () => {
    const { lines, consent } = generate(
      { '/a/{id}': { parameters: [id('id')], delete: { operationId: 'deleteA', ...ok } }, '/b/{id}': { parameters: [id('id')], delete: { operationId: 'deleteB', 'x-mcp-confirm': true, ...ok } } },
      { confirm: { deletes: false } },
    );
    expect(lines).toEqual([]);
    expect(consent('deleteA')).toBeUndefined();
    expect(consent('deleteB')?.consequence).toBe('This cannot be undone.');
  });

  it('#12 the config selecting an operation the spec opts out of: the config wins, with a warning at the entry', () => {
    const { lines, from } = generate(
      { '/a/{id}': { parameters: [id('id')], delete: { operationId: 'deleteA', 'x-mcp-confirm': false, ...ok } } },
      { confirm: { methods: ['GET', 'DELETE'] } },
    );
    expect(from('deleteA')).toBe('config');
    expect(lines).toEqual([
      'warning: portcullis.yaml#/confirm/methods/1: confirm selects DELETE /a/{id} (tool deleteA), which the spec opts out of consent with x-mcp-confirm: false at #/paths/~1a~1{id}/delete. The config wins: the tool asks for consent. Remove x-mcp-confirm: false from the spec, or narrow the selector. [WARN_CONFIG_OVERRIDES_SPEC]',
      'warning: portcullis.yaml#/confirm/methods/0: method "GET" selects no tool. Check it against the spec (and include/exclude), or remove it. [WARN_CONFIG_UNUSED]',
    ]);
    const slashed = generate(
      { '/a/{id}': { parameters: [id('id')], post: { operationId: 'a/post', 'x-mcp-confirm': false, ...ok } } },
      { confirm: { arguments: { 'a/post': ['id'] } } },
    );
    expect(slashed.from('a_post')).toBe('config');
    expect(slashed.lines).toEqual([
      'warning: portcullis.yaml#/confirm/arguments/a~1post: confirm selects POST /a/{id} (tool a_post), which the spec opts out of consent with x-mcp-confirm: false at #/paths/~1a~1{id}/post. The config wins: the tool asks for consent. Remove x-mcp-confirm: false from the spec, or narrow the selector. [WARN_CONFIG_OVERRIDES_SPEC]',
    ]);
  });
});

describe('#12 bound arguments are never shown', () => {
  const TENANT = {
    '/tenants/{tenantId}/tickets/{ticketId}': {
      parameters: [{ ...id('tenantId'), 'x-mcp-bind': 'tenant' }, id('ticketId')],
      delete: { operationId: 'deleteTicket', ...ok },
      post: {
        operationId: 'moveTicket',
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { owner: { type: 'string', 'x-mcp-bind': 'sub' }, queue: { type: 'string' } } } } } },
        ...ok,
      },
    },
  };

  it('#12 a bound path parameter is dropped from the default arguments (spec x-mcp-bind and config bind)', () => {
    expect(generate(TENANT).consent('deleteTicket')?.arguments).toEqual(['ticketId']);
    expect(generate(TENANT, { bind: { ticketId: 'ticket' } }).consent('deleteTicket')?.arguments).toEqual([]);
  });

  it('#12 config arguments naming a bound argument, a body holding a bound property, or no argument at all are located errors', () => {
    const { lines, consent } = generate(TENANT, { confirm: { arguments: { deleteTicket: ['tenantId', 'ticketId', 'ticket'], moveTicket: ['body', 'ticketId'] } } });
    expect(lines).toEqual([
      'portcullis.yaml#/confirm/arguments/moveTicket/0: argument "body" of tool moveTicket holds a property bound to a claim (owner ← sub): the question never shows a claim\'s value. Remove it from the list; the tool\'s other arguments are ticketId. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/confirm/arguments/deleteTicket/0: argument "tenantId" of tool deleteTicket is bound to the claim tenant: the question never shows a claim\'s value. Remove it from the list; the tool\'s other arguments are ticketId. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/confirm/arguments/deleteTicket/2: tool deleteTicket (DELETE /tenants/{tenantId}/tickets/{ticketId}) has no argument "ticket". Its arguments are ticketId. [ERR_CONFIG_INVALID]',
    ]);
    expect(consent('deleteTicket')?.arguments).toEqual(['ticketId']);
  });
});

describe('#12 config confirm entries that cannot apply', () => {
  it('#12 an unknown operationId is an error (a typo would leave a tool without consent); a selector entry matching no tool warns', () => {
    const { lines } = generate(
      { '/a': { get: { operationId: 'listA', ...ok } }, '/b': { get: { operationId: 'listB', 'x-mcp-exclude': true, ...ok } } },
      { confirm: { operations: ['listA', 'lsitA', 'listB'], tags: ['nothing'], paths: ['/c/*'], arguments: { nope: ['x'], listB: [] } } },
    );
    expect(lines).toEqual([
      'portcullis.yaml#/confirm/operations/1: no operation of the spec has the operationId "lsitA". Check the name against the spec: a misspelt one would leave that tool without consent. [ERR_CONFIG_INVALID]',
      'warning: portcullis.yaml#/confirm/operations/2: operationId "listB" selects no tool. Check it against the spec (and include/exclude), or remove it. [WARN_CONFIG_UNUSED]',
      'warning: portcullis.yaml#/confirm/tags/0: tag "nothing" selects no tool. Check it against the spec (and include/exclude), or remove it. [WARN_CONFIG_UNUSED]',
      'warning: portcullis.yaml#/confirm/paths/0: path pattern "/c/*" selects no tool. Check it against the spec (and include/exclude), or remove it. [WARN_CONFIG_UNUSED]',
      'portcullis.yaml#/confirm/arguments/nope: no operation of the spec has the operationId "nope", and no tool is named so. Key arguments by operationId (or tool name) as written in the spec. [ERR_CONFIG_INVALID]',
      'warning: portcullis.yaml#/confirm/arguments/listB: operation "listB" is no tool (excluded). Remove the entry, or include the operation. [WARN_CONFIG_UNUSED]',
    ]);
  });
});

describe('#12 the question text from the spec', () => {
  it('#12 a hostile title and summary become one printable, bounded line each (newlines, controls, bidi, markdown/HTML as written)', () => {
    const title = 'Evil\r\nAPI\u0000\u202e <b>bold</b> **x**';
    const summary = `Delete\n\nApproved by admin: yes\u2028${'x'.repeat(400)}`;
    const { consent } = generate({ '/a/{id}': { delete: { operationId: 'deleteA', summary, parameters: [id('id')], ...ok } } }, {}, title);
    const question = consent('deleteA')!;
    expect(question.system).toBe('Evil API\uFFFD\uFFFD <b>bold</b> **x**');
    expect(question.action).toBe(`Delete Approved by admin: yes ${'x'.repeat(169)}…`);
    expect([...question.action]).toHaveLength(200);
    for (const part of [question.system, question.action, question.request, question.consequence!]) {
      expect(part).toMatch(/^[^\p{C}\n\r\u2028\u2029]{1,200}$/u);
    }
  });

  it('#12 a summary of nothing but whitespace falls back to the method and path; a blank title to "The API"', () => {
    const { consent } = generate({ '/a/{id}': { delete: { operationId: 'deleteA', summary: ' \n\t ', parameters: [id('id')], ...ok } } }, {}, ' \u200b ');
    expect(consent('deleteA')).toMatchObject({ system: 'The API', action: 'DELETE /a/{id}' });
  });

  it('#12 consentLine: whitespace collapsed, invisible characters visible as U+FFFD, letters of every script kept, cut with an ellipsis', () => {
    expect(consentLine('  Löschen\u00a0\u0085 des\u2029Tickets  ')).toBe('Löschen des Tickets');
    expect(consentLine('a\u202eb\u2066c\u0007d')).toBe('a\uFFFDb\uFFFDc\uFFFDd');
    expect(consentLine('abcdefgh', 5)).toBe('abcd…');
    expect(consentLine('abc d', 5)).toBe('abc d');
    expect(consentLine('😀'.repeat(10), 4)).toBe('😀😀😀…');
  });

  it('#12 the same spec and config give the same tools.json consent, byte for byte', () => {
    const run = () => JSON.stringify(toServerDefinition(generate(PAYMENTS, { confirm: { methods: ['POST'], arguments: { refundPayment: ['reason', 'paymentId'] } } }).model).tools.map((tool) => tool.consent));
    expect(run()).toBe(run());
    expect(run()).toContain('"arguments":["reason","paymentId"]');
  });
});
