/** The gateway's HTTP surface: paths written once, used by routes, middleware, metadata and operator tools. */

/** RFC 9728 protected-resource metadata; also served with the MCP path appended (`/.well-known/…/mcp`). */
export const PRM_PATH = '/.well-known/oauth-protected-resource';

/** MCP Streamable HTTP endpoint. */
export const MCP_PATH = '/mcp';

/** Auth0 log-stream deliveries (the second is the earlier gateway's alias); bodies arrive as raw text. */
export const LOG_WEBHOOK_PATHS = ['/auth0-log-webhook', '/auth0/logs'];

/** Browser clients (APP_ORIGIN) may send and read these on the MCP endpoint. */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'mcp-protocol-version',
  'mcp-session-id',
  'last-event-id',
  'x-request-id',
];
export const CORS_EXPOSED_HEADERS = ['www-authenticate', 'mcp-session-id', 'x-request-id'];
