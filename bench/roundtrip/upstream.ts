/**
 * The loopback upstream API of the round-trip benchmark, run as its own process (so neither the load generator nor the
 * server under test shares its event loop): GET /v3/pet/1 with `api_key: k` answers {"id":1,"name":"Rex"}; anything
 * else is 404, and a missing or wrong api_key is 401, so a server that forgets the upstream credential shows up as
 * errors. Listens on 127.0.0.1:UPSTREAM_PORT.
 */
import { createServer } from 'node:http';

const port = Number(process.env.UPSTREAM_PORT);
const body = Buffer.from(JSON.stringify({ id: 1, name: 'Rex' }));
const notFound = Buffer.from(JSON.stringify({ code: 404, message: 'Pet not found' }));
const unauthorized = Buffer.from(JSON.stringify({ code: 401, message: 'api_key missing' }));

const server = createServer((req, res) => {
  if (req.headers.api_key !== 'k') {
    res.writeHead(401, { 'content-type': 'application/json', 'content-length': unauthorized.length }).end(unauthorized);
    return;
  }
  if (req.method === 'GET' && req.url === '/v3/pet/1') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json', 'content-length': notFound.length }).end(notFound);
});
// Longer than any pause between cells, so keep-alive connections are not closed under a client about to reuse them.
server.keepAliveTimeout = 120_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
