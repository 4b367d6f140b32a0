#!/usr/bin/env node
// Loads the built CLI (`npm install` builds it through the `prepare` script).
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv);
