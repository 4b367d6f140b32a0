/** Runs the CLI in-process (as `portcullis <args>`), capturing what it prints. */
import { runCli } from '../../src/cli/main.js';

export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'portcullis', ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}
