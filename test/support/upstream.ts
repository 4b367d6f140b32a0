/** A real upstream API for tests: an HTTP server on 127.0.0.1 that records every request it receives. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/api/pets/7?tags=a&tags=b`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Header names and values in wire order, duplicates kept. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface RecordingUpstream {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly received: ReceivedRequest[];
  /** How to answer; by default 200 `{"ok":true}` as JSON. */
  answer: (res: ServerResponse, request: ReceivedRequest) => void | Promise<void>;
  close(): Promise<void>;
}

/** Starts a recording upstream on an ephemeral loopback port. */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const upstream: RecordingUpstream = {
    origin: '',
    received: [],
    answer: (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) };
    upstream.received.push(request);
    await upstream.answer(res, request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(upstream, { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}
