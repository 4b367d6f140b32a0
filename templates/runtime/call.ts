/**
 * Entry of `npm run call -- <tool> '<json arguments>'` and `npm run call -- --list`: calls a tool of the running server
 * with the MCP SDK client and prints the result (see call-client.ts; `npm run call -- --help` for the usage).
 */
import { runCall } from './call-client.js';

process.exitCode = await runCall(process.argv.slice(2), process.env, {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
});
