// A real forward proxy (the `proxy` package: CONNECT tunnels and absolute-form requests) in its own
// process. Prints one JSON line per event: {"listening":port}, {"connect":"host:port"}, {"request":"url"}.
import { createServer } from 'node:http';

import { createProxy } from 'proxy';

const server = createProxy(createServer());
const report = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
server.prependListener('connect', (req) => report({ connect: req.url }));
server.prependListener('request', (req) => report({ request: req.url }));
server.listen(0, '127.0.0.1', () => report({ listening: server.address().port }));
process.on('SIGTERM', () => process.exit(0));
