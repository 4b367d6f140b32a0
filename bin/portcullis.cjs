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
  require(bundle)
    .runCli(process.argv)
    .then((exitCode) => {
      process.exitCode = exitCode;
    });
}
