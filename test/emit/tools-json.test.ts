/**
 * #15: tools.json is emitted as the UTF-8 bytes of its text, encoded once: the manifest records their digest and
 * `write` writes them as they are (test/write/write-files.test.ts), so the text, two bytes a character in V8 as soon
 * as one description holds a character beyond Latin-1, need not be kept.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG } from '../../src/config/types.js';
import { generateFiles } from '../../src/generate.js';
import { scratchDir } from '../support/scratch.js';

const SPEC = `openapi: 3.0.3
info: { title: Charges, version: '1' }
paths:
  /charges:
    post:
      operationId: createCharge
      summary: Create a charge
      description: It’s charged once — never twice.
      responses: { '201': { description: Created } }
`;

describe('#15 tools.json as bytes', () => {
  it('#15 is emitted as the UTF-8 bytes of its text, and the manifest records the digest of those bytes', async () => {
    const spec = join(scratchDir('tools-json'), 'charges.yaml');
    writeFileSync(spec, SPEC);
    const result = await generateFiles({ spec, config: EMPTY_CONFIG });
    const tools = result.files.find((file) => file.path === 'tools.json')!;
    expect(tools.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(tools.bytes!).toString('utf8')).toBe(tools.contents);
    const definition = JSON.parse(tools.contents) as { tools: { description: string }[] };
    expect(definition.tools[0]!.description).toContain('It’s charged once — never twice.');
    expect(result.manifest.files['tools.json']).toBe(`sha256:${createHash('sha256').update(tools.bytes!).digest('hex')}`);
  });
});
