/**
 * Starting and stopping the HTTP server: listening, and a graceful shutdown that stops accepting connections, lets the
 * requests in flight finish within a deadline, and ends keep-alive connections once their answer is sent
 * (RFC 9112 §9.6 `Connection: close`), so an orchestrator's SIGTERM never cuts a call that could have finished.
 */

import type { Server, ServerResponse } from 'node:http';

export interface Shutdown {
  /** Whether close() has been called: readiness answers 503 and answered connections are not kept alive. */
  readonly closing: boolean;
  /** Stops accepting connections, lets in-flight requests finish for at most `timeoutMs`, then resolves. */
  close(timeoutMs: number): Promise<void>;
}

/** Resolves with the bound port once `server` listens on `host`:`port` (port 0: any free port); rejects if it cannot. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Tracks the responses of `server` for a graceful shutdown; `onClose` runs when it starts. Call before adding the
 * server's request handler, so every response is known from its first moment.
 */
export function trackForShutdown(server: Server, onClose: () => void): Shutdown {
  /** Responses not yet closed: a shutdown tells their connections not to stay open once they are answered. */
  const active = new Set<ServerResponse>();
  let closing = false;
  server.on('request', (_req, res: ServerResponse) => {
    active.add(res);
    res.once('close', () => active.delete(res));
    // While closing, answered connections are not kept alive, so they do not hold close() up.
    if (closing) res.setHeader('Connection', 'close');
  });
  return {
    get closing() {
      return closing;
    },
    close(timeoutMs) {
      closing = true;
      onClose();
      // A keep-alive connection whose request finishes after this point would otherwise hold close() up until its
      // keep-alive timeout: it is ended as soon as its response is.
      for (const res of active) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
        res.once('finish', () => res.socket?.end());
      }
      return new Promise<void>((resolve) => {
        const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
        deadline.unref();
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
