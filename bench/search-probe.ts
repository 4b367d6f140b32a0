/**
 * Child process of `npm run bench:search`: loads one generated project's tools.json and search-index.json as the
 * emitted server does at start, then times queries. Alone in its process, so the memory figures are the index's.
 *
 * Usage: node --expose-gc --import tsx bench/search-probe.ts <project folder> <queries.json> <repeats>
 * Prints one JSON line: { indexBytes, loadMs, heapBytes, rssBytes, latencies: number[] (ms per query) }.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerDefinition } from '../templates/runtime/definition.js';
import { createToolSearch, SEARCH_INDEX_FILE } from '../templates/runtime/tool-search.js';

const [folder, queriesFile, repeatsText] = process.argv.slice(2);
const queries = JSON.parse(readFileSync(queriesFile!, 'utf8')) as string[];
const repeats = Number(repeatsText ?? '20');
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const settle = async () => {
  // Twice, with a turn of the event loop between: large strings (the files' text) are freed only then.
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
};
const definition = JSON.parse(readFileSync(join(folder!, 'tools.json'), 'utf8')) as ServerDefinition;
await settle();
const before = process.memoryUsage();
const started = performance.now();
const search = createToolSearch(definition, JSON.parse(readFileSync(join(folder!, SEARCH_INDEX_FILE), 'utf8')));
const loadMs = performance.now() - started;
await settle();
const after = process.memoryUsage();

const everything = () => true;
// Warm-up: the first queries pay for JIT compilation.
for (const query of queries) search.search(query, 10, everything);
const latencies: number[] = [];
for (let round = 0; round < repeats; round++) {
  for (const query of queries) {
    const start = performance.now();
    search.search(query, 10, everything);
    latencies.push(performance.now() - start);
  }
}
process.stdout.write(
  `${JSON.stringify({
    indexBytes: statSync(join(folder!, SEARCH_INDEX_FILE)).size,
    loadMs,
    heapBytes: after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers,
    rssBytes: after.rss - before.rss,
    latencies,
  })}\n`,
);
