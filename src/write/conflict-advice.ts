/**
 * What to do instead of hand-editing a generator-owned file, by kind of file: the refusal to overwrite hand edits
 * names, for each edited file, the place where the change survives regeneration.
 */
import { OVERLAY_DIR } from '../emit/emit-server.js';

interface Advice {
  readonly matches: (path: string) => boolean;
  readonly advice: string;
}

/** First match wins; the last entry matches every path. */
const ADVICE: readonly Advice[] = [
  {
    matches: (path) => path.startsWith('deploy/') && /\.ya?ml$/.test(path),
    advice: `put your changes in ${OVERLAY_DIR} (kustomize overlay: yours, never overwritten; deploy with kubectl apply -k ${OVERLAY_DIR})`,
  },
  { matches: (path) => /\.(ts|js)$/.test(path), advice: 'move your changes into src/hooks.ts (yours: never overwritten)' },
  {
    matches: (path) => /(^|\/)(README|AUTHORIZATION)\.md$/.test(path),
    advice: 'these are written from the spec and config: change those and regenerate, and keep your own notes in another file',
  },
  { matches: (path) => /(^|\/)Dockerfile$/.test(path), advice: 'build FROM this image in your own Dockerfile, or use --force' },
  { matches: () => true, advice: 'change the spec or portcullis.config.yaml and regenerate' },
];

/** One line per kind of edited file: the files, then what to do instead (in the order of first appearance). */
export function conflictAdvice(files: readonly string[]): string[] {
  const byAdvice = new Map<string, string[]>();
  for (const file of files) {
    const { advice } = ADVICE.find((entry) => entry.matches(file))!;
    byAdvice.set(advice, [...(byAdvice.get(advice) ?? []), file]);
  }
  return [...byAdvice].map(([advice, paths]) => `${paths.join(', ')}: ${advice}.`);
}
