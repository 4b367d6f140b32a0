/**
 * Before any test file runs: build every committed generated/ project once (`tsc`, as `npm run build` does), so the
 * end-to-end suites, which run in parallel, can start `node dist/index.js` without racing each other's builds.
 */
import { listExamples } from '../scripts/examples.js';
import { buildGenerated } from './support/generated-server.js';

export default async function setup(): Promise<void> {
  for (const example of listExamples()) await buildGenerated(example.name);
}
