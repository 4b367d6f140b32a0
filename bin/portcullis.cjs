#!/usr/bin/env node
// Runs the built CLI (`npm install` builds it through the `prepare` script; see scripts/bundle-cli.mjs). CommonJS,
// like the bundle it requires: an ES module importing it would have Node scan and load it a second way.
'use strict';

const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'cli', 'main.cjs');
if (!existsSync(bundle)) {
  process.stderr.write(`error: portcullis is not built (${bundle} is missing). Run \`npm install\` or \`npm run build\` in ${join(__dirname, '..')}.\n`);
  process.exitCode = 2;
} else {
  fewerEarlyOptimizations();
  require(bundle)
    .runCli(process.argv)
    .then((exitCode) => {
      process.exitCode = exitCode;
    });
}

/**
 * A generation is a burst of work of a few hundred milliseconds. V8 hands a function to its optimizing compiler once
 * it has run a budget of bytecode, a budget tuned for programs that run for long; in a run this short most of that
 * compiling (on the second core) finishes too late to pay for itself. Four times Node 20's default budget (66 KiB of
 * bytecode) cut CPU time by 40 ms on Stripe's description, 210 ms on GitHub's and 170 ms on Microsoft Graph's, at the
 * same wall time (BENCHMARKS.md, issue 15). The flag is read whenever a function's budget is refilled, so setting it
 * before the CLI is loaded is enough; should a Node version refuse flags after start, its defaults stay.
 */
function fewerEarlyOptimizations() {
  try {
    require('node:v8').setFlagsFromString('--interrupt-budget=270336');
  } catch {
    // The defaults: as fast, with more CPU time spent compiling.
  }
}
