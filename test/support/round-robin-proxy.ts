/**
 * A round-robin reverse proxy on loopback, as a load balancer in front of several replicas: request n goes to backend
 * n mod k, headers as received (Host stays the public host), bodies and responses (SSE too) streamed through. Records
 * who answered what.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';

export interface Forwarded {
  /** Index of the backend that answered. */
  readonly backend: number;
  readonly method: string;
  /** JSON-RPC method of a POST body (`initialize`, `tools/list`, …), if any. */
  readonly rpc: string | undefined;
  readonly status: number;
}

export interface RoundRobinProxy {
  readonly server: Server;
  /** Every forwarded request, in the order the answers began. */
  readonly forwarded: Forwarded[];
}

/** Starts the proxy on `port` in front of the loopback `backends` ports. */
export async function startRoundRobinProxy(port: number, backends: readonly number[]): Promise<RoundRobinProxy> {
  const forwarded: Forwarded[] = [];
  let next = 0;
  const server = createServer((req, res) => {
    const backend = next++ % backends.length;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let rpc: string | undefined;
      try {
        rpc = body.length ? (JSON.parse(body.toString('utf8')) as { method?: string }).method : undefined;
      } catch {
        rpc = undefined;
      }
      const upstream = httpRequest({ host: '127.0.0.1', port: backends[backend], method: req.method, path: req.url, headers: req.headers }, (answer) => {
        forwarded.push({ backend, method: req.method ?? 'GET', rpc, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, forwarded };
}
