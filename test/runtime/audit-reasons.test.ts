/** The audit vocabulary (audit-reasons.ts): one list, documented word for word, each reason written by the runtime. */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_REASONS, isAuditReason } from '../../templates/runtime/audit-reasons.js';
import type { AuditRecord } from '../../templates/runtime/audit.js';
import { createMetrics } from '../../templates/runtime/metrics.js';
import { readmeTable } from '../support/readme-table.js';

const RUNTIME = join(import.meta.dirname, '../../templates/runtime');

/** The runtime's source, but for the file that lists the reasons. */
function runtimeSource(): string {
  return readdirSync(RUNTIME)
    .filter((name) => name.endsWith('.ts') && name !== 'audit-reasons.ts')
    .map((name) => readFileSync(join(RUNTIME, name), 'utf8'))
    .join('\n');
}

describe('audit-reasons', () => {
  it('#15 the README table of audit reasons is the exported list, in order', () => {
    expect(readmeTable('Audit reasons').map((row) => row[0])).toEqual(AUDIT_REASONS.map((reason) => `\`${reason}\``));
  });

  it('#15 lists each reason once', () => {
    expect(new Set(AUDIT_REASONS).size).toBe(AUDIT_REASONS.length);
  });

  it('#15 lists no reason the runtime never writes', () => {
    const source = runtimeSource();
    const written = (reason: string): boolean => {
      const [kind, why] = reason.split(':');
      // `invalid_token:<why>` is written from InvalidTokenError's reason; `consent_<outcome>` from the consent outcome.
      if (why !== undefined) return kind === 'invalid_token' && source.includes(`InvalidTokenError('${why}'`);
      if (reason.startsWith('consent_')) return source.includes(`'${reason.slice('consent_'.length)}'`);
      return source.includes(`'${reason}'`);
    };
    expect(AUDIT_REASONS.filter((reason) => !written(reason))).toEqual([]);
  });

  it('#15 tells an audit reason from any other label value', () => {
    expect(['ok', 'invalid_token:expired', 'consent_invalid_state'].map(isAuditReason)).toEqual([true, true, true]);
    expect(['valid', 'invalid_token', 'invalid_token:other', 'OK', '', 'ok '].map(isAuditReason)).toEqual([false, false, false, false, false, false]);
  });

  it('#15 the metrics label decisions and token checks with the audit reasons, anything else as other', async () => {
    const metrics = createMetrics(['create_pet']);
    const record = (reason: string) => ({ time: '', requestId: 'r', decision: 'deny', reason, durationMs: 1 }) as unknown as AuditRecord;
    for (const reason of ['invalid_token:expired', 'consent_declined', 'invalid_token:nope', 'rate_limited ', 'valid']) metrics.audited(record(reason));
    for (const outcome of ['valid', 'invalid_token:audience', 'forged']) metrics.tokenVerified(outcome as 'valid');
    const lines = (await metrics.registry.metrics()).split('\n');
    expect(lines.filter((line) => line.startsWith('mcp_decisions_total{'))).toEqual([
      'mcp_decisions_total{decision="deny",reason="invalid_token:expired"} 1',
      'mcp_decisions_total{decision="deny",reason="consent_declined"} 1',
      'mcp_decisions_total{decision="deny",reason="other"} 3',
    ]);
    expect(lines.filter((line) => line.startsWith('mcp_token_verifications_total{'))).toEqual([
      'mcp_token_verifications_total{outcome="valid"} 1',
      'mcp_token_verifications_total{outcome="invalid_token:audience"} 1',
      'mcp_token_verifications_total{outcome="other"} 1',
    ]);
  });
});
