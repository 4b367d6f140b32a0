/** #8 the config's upstream section in the emitted project: tools.json, AUTHORIZATION.md and README. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { emitServer, toServerDefinition } from '../../src/emit/emit-server.js';
import { buildModel } from '../../src/model/build-model.js';
import { operation, spec } from '../support/normalized.js';

function emitted(config: unknown) {
  const model = buildModel(
    spec({ operations: [operation({ method: 'GET', path: '/a', operationId: 'a' }), operation({ method: 'GET', path: '/b', operationId: 'b' })] }),
    parseConfig(config, 'portcullis.yaml'),
    { specFile: 'spec.yaml' },
  ).value!;
  const files = new Map(emitServer(model).map((file) => [file.path, file.contents]));
  return { definition: toServerDefinition(model), files };
}

describe('#8 emitted upstream configuration', () => {
  it('#8 every tool carries the fixed headers as [name, value] pairs; AUTHORIZATION.md and README list them', () => {
    const { definition, files } = emitted({
      upstream: { securitySchemes: { tok: { type: 'http', scheme: 'bearer' } }, security: [{ tok: [] }], headers: { 'Notion-Version': '2022-06-28', 'X-Client': 'portcullis' } },
    });
    for (const tool of definition.tools) {
      expect(tool.fixedHeaders).toEqual([['Notion-Version', '2022-06-28'], ['X-Client', 'portcullis']]);
      expect(tool.upstreamSecurity).toEqual([['tok']]);
    }
    expect(definition.securitySchemes).toEqual({ tok: { name: 'tok', envPrefix: 'UPSTREAM_TOK', type: 'bearer' } });
    expect(files.get('AUTHORIZATION.md')).toContain('\n## Fixed headers\n');
    expect(files.get('AUTHORIZATION.md')).toContain('- `Notion-Version`: `2022-06-28`\n');
    expect(files.get('AUTHORIZATION.md')).toContain('2 of the tools declare no `security` in the spec');
    expect(files.get('README.md')).toContain('| `Notion-Version` | `2022-06-28` |');
    expect(files.get('.env.example')).toContain('UPSTREAM_TOK_TOKEN=');
  });

  it('#8 without an upstream section, tools.json and the documents are as before', () => {
    const { definition, files } = emitted({});
    for (const tool of definition.tools) expect(Object.hasOwn(tool, 'fixedHeaders')).toBe(false);
    expect(files.get('AUTHORIZATION.md')).not.toContain('Fixed headers');
    expect(files.get('AUTHORIZATION.md')).not.toContain('Upstream authentication from the config');
    expect(files.get('README.md')).not.toContain('### Fixed headers');
  });
});
