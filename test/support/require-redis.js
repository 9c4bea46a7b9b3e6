// The suite tests shared state against a real Redis: no answer is an error, never a reason to skip.
const Redis = require('ioredis');

const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const client = new Redis(url, {
  lazyConnect: true,
  connectTimeout: 3000,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
});
client.on('error', () => undefined);
client
  .connect()
  .then(() => client.ping())
  .then((answer) => {
    process.stdout.write(`Redis at ${new URL(url).host} answers ${answer}\n`);
    client.disconnect();
  })
  .catch((error) => {
    process.stderr.write(
      `\n*** The test suite needs a Redis server: none answers at ${new URL(url).host} (${error.code || 'connection refused or closed'}).\n` +
        `*** Start one (redis-server, Redis 7) or set REDIS_URL. Tests that use Redis fail rather than skip.\n\n`,
    );
    client.disconnect();
    process.exit(1);
  });
