/** diffModels: what changed between two generations, security-relevant changes flagged. */
import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG } from '../../src/config/types.js';
import { diffModels, formatChanges, scopesLooser } from '../../src/diff/diff-models.js';
import type { ModelSummary, ToolSummary } from '../../src/emit/manifest.js';
import { generateFiles } from '../../src/generate.js';
import { ROOT } from '../../scripts/examples.js';
import { join } from 'node:path';

const tool = (name: string, fields: Partial<ToolSummary> = {}): ToolSummary => ({
  name,
  method: 'GET',
  path: `/${name}`,
  scopes: [['read']],
  roles: [],
  changesData: false,
  properties: [],
  required: [],
  upstreamSecurity: [],
  ...fields,
});
const model = (tools: ToolSummary[], securitySchemes: Record<string, string> = {}): ModelSummary => ({ tools, securitySchemes });
const kinds = (before: ModelSummary, after: ModelSummary) => diffModels(before, after).map((c) => [c.kind, c.subject, c.security]);

describe('diffModels', () => {
  it('reports nothing for equal models', () => {
    expect(diffModels(model([tool('a')]), model([tool('a')]))).toEqual([]);
    expect(formatChanges([])).toBe('no changes to tools, arguments or authorization\n');
  });

  it('reports tools added, removed and renamed (same operation, new name)', () => {
    expect(kinds(model([tool('a'), tool('b', { path: '/x' })]), model([tool('c', { path: '/x' }), tool('d')]))).toEqual([
      ['tool-renamed', 'c', false],
      ['tool-added', 'd', false],
      ['tool-removed', 'a', false],
    ]);
  });

  it('flags a new tool that changes data', () => {
    expect(kinds(model([]), model([tool('w', { method: 'POST', changesData: true })]))).toEqual([
      ['tool-added', 'w', false],
      ['new-data-changing-tool', 'w', true],
    ]);
  });

  it('reports fields added, removed, made required and optional', () => {
    const before = tool('a', { properties: ['gone', 'id', 'q'], required: ['q'] });
    const after = tool('a', { properties: ['id', 'new', 'q'], required: ['id'] });
    expect(kinds(model([before]), model([after]))).toEqual([
      ['field-required', 'a', false],
      ['field-added', 'a', false],
      ['field-optional', 'a', false],
      ['field-removed', 'a', false],
    ]);
  });

  it('flags loosened scopes, a tool become public, dropped and loosened roles; not tightening', () => {
    const before = model([
      tool('loose', { scopes: [['read', 'write']] }),
      tool('public', { scopes: [['admin']] }),
      tool('norole', { roles: ['admin'] }),
      tool('anyrole', { roles: ['admin'] }),
      tool('tight', { scopes: [['read']] }),
    ]);
    const after = model([
      tool('loose', { scopes: [['read']] }),
      tool('public', { scopes: [] }),
      tool('norole', { roles: [] }),
      tool('anyrole', { roles: ['admin', 'clerk'] }),
      tool('tight', { scopes: [['read', 'write']] }),
    ]);
    expect(kinds(before, after)).toEqual([
      ['scopes-loosened', 'loose', true],
      ['became-public', 'public', true],
      ['role-dropped', 'norole', true],
      ['roles-loosened', 'anyrole', true],
      ['scopes-tightened', 'tight', false],
    ]);
  });

  it('flags a new upstream security scheme', () => {
    expect(kinds(model([], { oauth: 'oauth2Token' }), model([], { oauth: 'oauth2Token', key: 'apiKey' }))).toEqual([['new-upstream-scheme', 'key', true]]);
  });

  it.each([
    [[['a']], [['a', 'b']], false],
    [[['a', 'b']], [['a']], true],
    [[['a']], [['a'], ['b']], true],
    [[['a'], ['b']], [['b']], false],
    [[], [['a']], false],
    [[['a']], [], true],
  ])('scopesLooser(%j, %j) is %s', (before, after, looser) => {
    expect(scopesLooser(before, after)).toBe(looser);
  });
});

describe('specs/diff/v1.yaml → v2.yaml', () => {
  it('reports each kind of change, the security ones flagged', async () => {
    const [v1, v2] = await Promise.all(['v1', 'v2'].map((v) => generateFiles({ spec: join(ROOT, `specs/diff/${v}.yaml`), config: EMPTY_CONFIG })));
    const changes = diffModels(v1!.manifest.model, v2!.manifest.model);
    expect(changes.map((c) => [c.kind, c.subject, c.security])).toEqual([
      ['field-required', 'listEntries', false],
      ['field-added', 'listEntries', false],
      ['field-added', 'createEntry', false],
      ['field-removed', 'createEntry', false],
      ['scopes-loosened', 'createEntry', true],
      ['tool-renamed', 'fetchEntry', false],
      ['role-dropped', 'deleteEntry', true],
      ['became-public', 'getReport', true],
      ['tool-added', 'voidEntry', false],
      ['new-data-changing-tool', 'voidEntry', true],
      ['tool-removed', 'legacyExport', false],
      ['new-upstream-scheme', 'partnerKey', true],
    ]);
    const text = formatChanges(changes);
    expect(text).toMatch(/^!!! 5 security-relevant changes:$/m);
    expect(text).toContain('  !! tool getReport became public: it required scopes [ledger.admin], now anyone may call it');
    expect(text).toContain('  !! tool createEntry: required scopes loosened from [ledger.read ledger.write] to [ledger.read]');
    expect(text).toContain('  ~ tool getEntry renamed to fetchEntry (GET /entries/{id})');
    expect(text).toContain('  + tool createEntry: field body.currency added (required)');
  });
});

describe('#8 provenance of scopes in the diff', () => {
  const messages = (before: ToolSummary, after: ToolSummary) => diffModels(model([before]), model([after])).map((c) => [c.kind, c.message, c.security]);

  it('#8 shows where scopes come from now and came from before, when they change', () => {
    expect(messages(tool('a', { scopes: [['admin']], from: 'spec' }), tool('a', { scopes: [['read']], from: 'config rule 1' }))).toEqual([
      ['scopes-loosened', 'tool a: required scopes loosened from [admin] to [read] (from config rule 1, was spec)', true],
    ]);
    expect(messages(tool('a', { scopes: [['read']], from: 'config rule 2' }), tool('a', { scopes: [['read', 'write']], from: 'x-mcp-scopes' }))).toEqual([
      ['scopes-tightened', 'tool a: required scopes tightened from [read] to [read write] (from x-mcp-scopes, was config rule 2)', false],
    ]);
    expect(messages(tool('a', { scopes: [['read']], from: 'config rule 1' }), tool('a', { scopes: [], from: 'public opt-in' }))).toEqual([
      ['became-public', 'tool a became public: it required scopes [read], now anyone may call it (from public opt-in, was config rule 1)', true],
    ]);
  });

  it('#8 says nothing of provenance when it did not change, or an older manifest does not record it', () => {
    expect(messages(tool('a', { scopes: [['admin']], from: 'config rule 1' }), tool('a', { scopes: [['read']], from: 'config rule 1' }))[0]![1]).toBe(
      'tool a: required scopes loosened from [admin] to [read]',
    );
    expect(messages(tool('a', { scopes: [['admin']] }), tool('a', { scopes: [['read']], from: 'spec' }))[0]![1]).toBe('tool a: required scopes loosened from [admin] to [read]');
  });
});

describe('#12 consent in the diff', () => {
  const changes = (before: ToolSummary, after: ToolSummary) => diffModels(model([before]), model([after])).map((c) => [c.kind, c.message, c.security]);

  it('#12 a tool that stops asking the user is security-relevant; one that starts asking is listed', () => {
    expect(changes(tool('drop', { consent: 'DELETE default' }), tool('drop'))).toEqual([
      ['consent-dropped', 'tool drop no longer asks the user before each call (it did: DELETE default): calls run without the user\'s approval', true],
    ]);
    expect(changes(tool('pay'), tool('pay', { consent: 'config' }))).toEqual([['consent-added', 'tool pay now asks the user before each call (config)', false]]);
    expect(changes(tool('pay', { consent: 'x-mcp-confirm' }), tool('pay', { consent: 'config' }))).toEqual([]);
    const text = formatChanges(diffModels(model([tool('drop', { consent: 'x-mcp-confirm' })]), model([tool('drop')])));
    expect(text).toBe("!!! 1 security-relevant change:\n  !! tool drop no longer asks the user before each call (it did: x-mcp-confirm): calls run without the user's approval\n");
  });

  it('#12 an older manifest without consent: tools that ask now are listed, not flagged', () => {
    expect(kinds(model([tool('del', { method: 'DELETE', changesData: true })]), model([tool('del', { method: 'DELETE', changesData: true, consent: 'DELETE default' })]))).toEqual([
      ['consent-added', 'del', false],
    ]);
  });

  it('#12 a new data-changing tool says whether it asks the user', () => {
    const [, flagged] = diffModels(model([]), model([tool('del', { method: 'DELETE', changesData: true, consent: 'DELETE default' })]));
    expect(flagged!.message).toBe('new tool del changes data (DELETE /del), scopes [read], asks the user before each call');
  });
});
