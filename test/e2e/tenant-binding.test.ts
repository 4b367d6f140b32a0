/**
 * #11 end to end: the generated helpdesk server (its listTenantTickets binds the tenantId path parameter to the token's
 * `tenant` claim) run as `node dist/index.js`, a real authorization server (oidc-provider) issuing client credentials
 * JWTs with extra claims, a recording upstream, and the SDK client. The tenant reaches the upstream from the token only;
 * a token without it, or a caller choosing a tenant, is refused before anything is sent, and the audit file says why.
 * The server runs from a copy of the build with a Cedar policy in policies/local.cedar that decides on the bound tenant
 * and an argument, so object-level policies are exercised with the real authorization server's tokens too.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWithPolicies } from '../../bench/roundtrip/policy-set.js';
import { ROOT } from '../../scripts/examples.js';
import { startAuthorizationServer, type AuthorizationServer } from '../support/authorization-server.js';
import { freePort } from '../support/free-port.js';
import { startNodeServer, type RunningServer } from '../support/generated-server.js';
import { scratchDir } from '../support/scratch.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

/** The Cedar policy of the copy: closed tickets of tenant globex are not for listing (the tenant comes from the token). */
const POLICY = `@id("globex-closed-tickets")
forbid (principal, action == Action::"listTenantTickets", resource)
when { context.args.tenantId == "globex" && context.args has "status" && context.args.status == "closed" };
`;

describe('#11 generated/helpdesk binds the tenant to the caller\'s token', () => {
  const clientId = 'tenant-backend';
  let as: AuthorizationServer;
  let upstream: RecordingUpstream;
  let server: RunningServer;
  let auditDir: string;
  let auditLog: string;
  let serverDir: string;
  let publicUrl: string;
  const open: Client[] = [];

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/mcp`;
    as = await startAuthorizationServer({ resource: publicUrl, scopes: ['tickets:read', 'tickets:write'], clients: [{ clientId, clientSecret: 'tenant-secret' }] });
    auditDir = scratchDir('bind-audit');
    auditLog = join(auditDir, 'audit.log');
    // A copy of generated/helpdesk's build, inside the repository so its packages resolve, with POLICY as local.cedar
    // (not a scratchDir, which is under the OS temp folder: this test removes it itself).
    await mkdir(join(ROOT, '.test-work'), { recursive: true });
    serverDir = buildWithPolicies(join(ROOT, 'generated', 'helpdesk'), await mkdtemp(join(ROOT, '.test-work', 'helpdesk-')), { policies: POLICY });
    server = await startNodeServer([join(serverDir, 'dist', 'index.js')], {
      PORT: String(port),
      MCP_PUBLIC_URL: publicUrl,
      OAUTH_ISSUER: as.issuer,
      UPSTREAM_BASE_URL: `${upstream.origin}/v1`,
      UPSTREAM_HELPDESK_OAUTH_TOKEN: 'upstream-static',
      AUDIT_LOG: auditLog,
    }, serverDir);
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((client) => client.close()));
    const exitCode = await server?.stop();
    await upstream?.close();
    await as?.close();
    if (serverDir) await rm(serverDir, { recursive: true, force: true });
    if (server) expect(exitCode).toBe(0);
  });

  const connect = async (claims?: Record<string, unknown>) => {
    const token = await as.clientCredentialsToken(clientId, ['tickets:read'], claims);
    const client = new Client({ name: 'e2e-tenant', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(publicUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    open.push(client);
    return client;
  };
  const text = (result: CallToolResult) => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
  const auditLines = async () => (await readFile(auditLog, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  const auditOf = async (reason: string) => {
    for (let i = 0; i < 100; i++) {
      const line = (await auditLines().catch(() => [])).find((entry) => entry.tool === 'listTenantTickets' && entry.reason === reason);
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no audit line with reason ${reason}`);
  };

  it('#11 never lists the bound tenantId, and sends the token\'s tenant upstream', async () => {
    upstream.received.length = 0;
    const client = await connect({ tenant: 'acme' });
    const { tools } = await client.listTools();
    const tool = tools.find((entry) => entry.name === 'listTenantTickets')!;
    expect(Object.keys(tool.inputSchema.properties ?? {})).toEqual(['status']);
    const result = (await client.callTool({ name: 'listTenantTickets', arguments: { status: 'open' } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(upstream.received.map((request) => request.url)).toEqual(['/v1/tenants/acme/tickets?status=open']);
    expect(await auditOf('ok')).toMatchObject({ decision: 'allow', upstreamStatus: 200 });
  });

  it('#11 refuses a token without the tenant claim, and a caller choosing a tenant, before anything goes upstream', async () => {
    upstream.received.length = 0;
    const noTenant = await connect();
    const missing = (await noTenant.callTool({ name: 'listTenantTickets', arguments: {} })) as CallToolResult;
    expect(missing.isError).toBe(true);
    expect(text(missing)).toBe('The argument "tenantId" is bound to the claim "tenant", which the caller\'s token does not carry (or is empty)');
    expect(await auditOf('binding_missing_claim')).toMatchObject({ decision: 'deny' });

    const acme = await connect({ tenant: 'acme' });
    const chosen = (await acme.callTool({ name: 'listTenantTickets', arguments: { tenantId: 'globex' } })) as CallToolResult;
    expect(chosen.isError).toBe(true);
    expect(text(chosen)).toContain('The argument "tenantId" is set by the server from the caller\'s identity');
    expect(await auditOf('binding_argument_supplied')).toMatchObject({ decision: 'deny' });
    expect(upstream.received).toEqual([]);
  });

  it('#11 a Cedar policy decides on the tenant bound from the token and an argument: refused for globex, allowed for acme', async () => {
    upstream.received.length = 0;
    const globex = await connect({ tenant: 'globex' });
    const refused = (await globex.callTool({ name: 'listTenantTickets', arguments: { status: 'closed' } })) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(text(refused)).toBe("This call is not allowed by the server's access policies for this caller and these arguments.");
    expect(await auditOf('policy')).toMatchObject({ decision: 'deny', policyId: 'globex-closed-tickets' });
    expect(upstream.received).toEqual([]);

    const open = (await globex.callTool({ name: 'listTenantTickets', arguments: { status: 'open' } })) as CallToolResult;
    const acme = (await (await connect({ tenant: 'acme' })).callTool({ name: 'listTenantTickets', arguments: { status: 'closed' } })) as CallToolResult;
    expect([open.isError, acme.isError]).toEqual([undefined, undefined]);
    expect(upstream.received.map((request) => request.url)).toEqual(['/v1/tenants/globex/tickets?status=open', '/v1/tenants/acme/tickets?status=closed']);
  });
});
