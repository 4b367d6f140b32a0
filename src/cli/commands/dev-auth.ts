/** `portcullis dev-auth`: a development OAuth authorization server on loopback (loads oidc-provider, so only on demand). */
import type { DevAuthFlags } from '../../dev-auth/options.js';
import { runDevAuth } from '../../dev-auth/run-dev-auth.js';
import type { Io } from '../io.js';

/** Runs `dev-auth` until SIGINT, SIGTERM or `io.signal`; resolves to the exit code. */
export function runDevAuthCommand(flags: DevAuthFlags, io: Io): Promise<number> {
  return runDevAuth(flags, io);
}
