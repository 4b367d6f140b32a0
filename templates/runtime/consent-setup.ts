/**
 * The consent context of a running server (consent.ts), built once at start from CONSENT, CONSENT_KEY and
 * CONSENT_TTL_SECONDS, and the start-up warnings about them.
 */

import type { ConsentContext } from './consent.js';
import { createConsentSealer, randomConsentKey } from './consent-state.js';
import type { ToolDefinition } from './definition.js';
import { CONSENT_KEY_EXAMPLE } from './setting-definitions.js';
import type { ConsentSettings } from './settings.js';
import { memorySingleUseRecord } from './single-use.js';
import type { SingleUseRecord } from './single-use.js';

/** Test and deployment seams: a shared single-use record (several replicas), a clock. */
export interface ConsentOptions {
  readonly record?: SingleUseRecord;
  readonly now?: () => number;
}

/** The consent context of `settings`; without CONSENT_KEY, sealed under a random key of this process. */
export function consentContext(settings: ConsentSettings, options: ConsentOptions = {}): ConsentContext {
  return {
    mode: settings.consent,
    sealer: createConsentSealer(settings.consentKey ?? randomConsentKey()),
    ttlSeconds: settings.consentTtlSeconds,
    record: options.record ?? memorySingleUseRecord(options.now ? { now: options.now } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
}

/** Warnings to log once at start, when some tool needs consent: consent turned off, or no shared key. */
export function consentWarnings(settings: ConsentSettings, tools: readonly ToolDefinition[]): string[] {
  const asking = tools.filter((tool) => tool.consent !== undefined).map((tool) => tool.name);
  if (asking.length === 0) return [];
  const named = `${asking.length} ${asking.length === 1 ? 'tool' : 'tools'} (${asking.slice(0, 5).join(', ')}${asking.length > 5 ? ', …' : ''})`;
  if (settings.consent === 'off') {
    return [`WARNING: CONSENT=off — ${named} that need the user's approval run without asking. Use this only when the host asks the user itself.`];
  }
  if (settings.consentKey === undefined) {
    return [`CONSENT_KEY is not set: consent approvals are sealed with a random key of this process, so replicas will not accept each other's approvals and a restart voids open questions. Set CONSENT_KEY to the same value on every replica.`];
  }
  if (settings.consentKey.equals(Buffer.from(CONSENT_KEY_EXAMPLE, 'base64'))) {
    return ['WARNING: CONSENT_KEY is the example of the documentation, which anyone can read and so forge approvals with. Generate a key: openssl rand -base64 32.'];
  }
  return [];
}
