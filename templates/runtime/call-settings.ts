/**
 * The variables `npm run call` reads (call-client.ts). A module of its own so the server can know them (for its
 * unknown-setting warnings) without loading the MCP client.
 */

/** MCP_URL: the endpoint to call (default http://127.0.0.1:${PORT:-3000}/mcp); MCP_TOKEN: the access token to send. */
export const CALL_VARIABLES = ['MCP_URL', 'MCP_TOKEN'] as const;
