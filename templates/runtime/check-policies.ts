/**
 * Entry of `npm run check:policies [-- <folder>]`: checks the Cedar policies of the project's `policies/` folder (or
 * `<folder>`) against its schema (policies.ts), one `file:line: message` per problem on stderr, exit code 1 when there
 * is any, 0 when they are valid.
 */
import { runCheckPolicies } from './policies.js';

const folder = process.argv[2] ?? new URL('../../policies/', import.meta.url);
process.exitCode = await runCheckPolicies(folder, {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
});
