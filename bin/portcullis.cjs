#!/usr/bin/env node
// Runs the built CLI (`npm install` builds it through the `prepare` script; see scripts/bundle-cli.mjs). CommonJS,
// like the bundle it requires: an ES module importing it would have Node scan and load it a second way.
'use strict';

require('../dist/cli/main.cjs')
  .runCli(process.argv)
  .then((exitCode) => {
    process.exitCode = exitCode;
  });
