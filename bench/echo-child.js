'use strict';
// The tool backend of the benchmark: a bare node:http server on 127.0.0.1 that answers every POST with
// the body it received. It runs in its own process so that neither the load generator nor a gateway
// shares its event loop. Reports { type: 'ready', port } over IPC.

const { createServer } = require('node:http');

const { answerProbes } = require('./probes');

if (!process.send) {
  console.error('echo-child.js is started by bench/run.js (child_process.fork), not directly');
  process.exit(2);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'application/json' });
      return res.end('{"error":"method not allowed"}');
    }
    const body = Buffer.concat(chunks);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});

// Idle keep-alive sockets stay open longer than the callers' pools keep them, so that a stalled machine
// never makes a caller reuse a socket the backend is closing (UND_ERR_SOCKET), which the bench would report.
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  answerProbes();
  process.send({ type: 'ready', port: server.address().port });
});
// Keep-alive sockets would hold server.close() open; the parent is gone, so just leave.
process.on('disconnect', () => process.exit(0));
