'use strict';
// Baseline "raw": the ceiling of any Node gateway. node:http + undici, no framework, no auth:
// POST /tools/:name is forwarded to BACKEND_ORIGIN/:name with the same bytes, and the backend's status,
// content type and body come back unchanged.

const { createServer } = require('node:http');
const { request } = require('undici');

const { runChild, requiredEnv, upstreamAgent } = require('./child');

const PREFIX = '/tools/';

runChild('raw-forwarder.js', async () => {
  const backend = requiredEnv('BACKEND_ORIGIN');
  const agent = upstreamAgent();
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || !req.url.startsWith(PREFIX)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"error":"not_found"}');
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const upstream = await request(`${backend}/${req.url.slice(PREFIX.length)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.concat(chunks),
          dispatcher: agent,
        });
        const body = Buffer.from(await upstream.body.arrayBuffer());
        res.writeHead(upstream.statusCode, {
          'content-type': upstream.headers['content-type'] ?? 'application/octet-stream',
          'content-length': body.length,
        });
        res.end(body);
      } catch {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"error":"bad_gateway"}');
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
});
