/**
 * #13 The config's toolMode reaches the emitted project: tools.json, and TOOL_MODE's documented default in the
 * README table and its tool discovery paragraph, .env.example and the ConfigMap. The README also documents consent
 * (naming the tools that ask), metrics and tracing, and several replicas; the Dockerfile ships the search index and
 * exposes the metrics port.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { EmitOptions } from '../../src/emit/emit-server.js';
import { KUSTOMIZE_BASE_DIR, emitServer } from '../../src/emit/emit-server.js';
import { buildModel } from '../../src/model/build-model.js';
import { operation, spec } from '../support/normalized.js';

/** A small API: a read, a write the config asks consent for, and a DELETE (which asks by default). */
function files(options: EmitOptions = {}, confirm = true): Map<string, string> {
  const model = buildModel(
    spec({
      operations: [
        operation({ method: 'GET', path: '/orders', operationId: 'listOrders', summary: 'List orders' }),
        operation({ method: 'POST', path: '/orders/{id}/refund', operationId: 'refundOrder', summary: 'Refund an order', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } } as never] }),
        operation({ method: 'DELETE', path: '/orders/{id}', operationId: 'deleteOrder', summary: 'Delete an order', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } } as never] }),
      ],
    }),
    parseConfig(confirm ? { confirm: { operations: ['refundOrder'] } } : { confirm: { deletes: false } }, 'portcullis.yaml'),
    { specFile: 'spec.yaml' },
  ).value!;
  return new Map(emitServer(model, options).map((file) => [file.path, file.contents]));
}

/** The lines of `text` that mention `variable` as a setting, with their documented default. */
const defaultIn = (text: string, pattern: RegExp) => text.split('\n').filter((line) => pattern.test(line));

describe('#13 the config toolMode in the emitted project', () => {
  it('#13 tools.json carries toolMode only when the config sets it', () => {
    expect(JSON.parse(files({ toolMode: 'direct' }).get('tools.json')!).toolMode).toBe('direct');
    expect(JSON.parse(files({ toolMode: 'auto' }).get('tools.json')!).toolMode).toBe('auto');
    expect('toolMode' in JSON.parse(files().get('tools.json')!)).toBe(false);
  });

  it('#13 the README table, .env.example and the ConfigMap document the project default', () => {
    for (const [options, mode] of [[{ toolMode: 'discovery' }, 'discovery'], [{ toolMode: 'direct' }, 'direct'], [{}, 'auto']] as const) {
      const emitted = files(options);
      expect(defaultIn(emitted.get('README.md')!, /^\| `TOOL_MODE` \|/)).toEqual([expect.stringMatching(new RegExp(`^\\| \`TOOL_MODE\` \\| \`${mode}\` \\|`))]);
      expect(emitted.get('.env.example')!).toMatch(new RegExp(`# How tools are offered: .* Default: ${mode}\\.\\n# TOOL_MODE=discovery\\n`));
      expect(emitted.get(`${KUSTOMIZE_BASE_DIR}/configmap.yaml`)!).toMatch(new RegExp(`  # How tools are offered: .* Default: ${mode}\\.\\n  # TOOL_MODE: "discovery"\\n`));
    }
  });

  it('#13 the README tool discovery paragraph names the tool count, the default and where it comes from', () => {
    const configured = files({ toolMode: 'discovery' }).get('README.md')!;
    expect(configured).toContain('### Tool discovery\n\nThis API has 3 tools;');
    expect(configured).toContain("This project's default is `discovery`, set by `toolMode` in `portcullis.config.yaml`; the variable overrides it.");
    expect(configured).toContain('`TOOL_MODE_THRESHOLD` (64)');
    expect(files().get('README.md')!).toContain("\nThis project's default is `auto`; the variable overrides it.\n");
  });
});

describe('#13 emitted project docs', () => {
  it('#13 the README consent paragraph lists the tools that ask, and CONSENT_KEY for every replica', () => {
    const readme = files().get('README.md')!;
    expect(readme).toContain('### Consent before risky actions');
    expect(readme).toContain('Here 2 tools ask before each call (and why):\n`refundOrder` (config), `deleteOrder` (DELETE default).\nAn approval holds');
    expect(readme).toContain('Set `CONSENT_KEY` (a secret,\nthe same on every replica)');
    const none = files({}, false).get('README.md')!;
    expect(none).toContain('No tool of this server asks');
    expect(none).not.toContain('Here 0 tools');
  });

  it('#13 the README documents metrics and tracing and several replicas, by their variables', () => {
    const readme = files().get('README.md')!;
    expect(readme).toContain('### Metrics and tracing\n\nWith `METRICS_PORT` set (9464');
    expect(readme).toContain('With `OTEL_EXPORTER_OTLP_ENDPOINT` set');
    expect(readme).toContain('### Several replicas\n\nWithout `REDIS_URL`');
    expect(readme).toContain('the same `CONSENT_KEY` on every replica');
  });

  it('#13 the Dockerfile copies search-index.json into the image and exposes the metrics port next to 3000', () => {
    const runtime = files().get('Dockerfile')!.split('FROM node:').at(-1)!.split('\n');
    expect(runtime).toContain('COPY tools.json search-index.json ./');
    expect(runtime).toContain('EXPOSE 3000');
    expect(runtime).toContain('EXPOSE 9464');
    expect(runtime[runtime.indexOf('EXPOSE 9464') - 1]).toMatch(/^# .*METRICS_PORT/);
  });
});
