/**
 * Entry point of this MCP server. Everything specific to the API is data in ../tools.json; the behaviour lives in
 * ./runtime. `node dist/index.js` serves Streamable HTTP; `node dist/index.js --stdio` serves stdio.
 */
import { main } from './runtime/main.js';

await main(new URL('../tools.json', import.meta.url));
