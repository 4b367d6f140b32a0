/**
 * Single use of consent approvals: each sealed approval (consent-state.ts) carries a random id, claimed here when the
 * approval is used, so the same approval cannot run a call twice (2026-07-28 basic/patterns/mrtr: a server whose
 * request state decides what runs must protect it against replay). The in-memory record serves one instance; several
 * replicas need a shared record (e.g. Redis) behind the same interface.
 */

import { PortcullisError } from './errors.js';

export interface SingleUseRecord {
  /** Marks `id` used until `expiresAtMs` (epoch ms); resolves false when it was already used. Rejects when the
   *  record cannot be consulted — callers then refuse (fail closed). */
  claim(id: string, expiresAtMs: number): Promise<boolean>;
}

/** Ids remembered at once by the in-memory record by default; beyond it (after pruning expired ids) claims are refused. */
export const DEFAULT_SINGLE_USE_CAPACITY = 100_000;

/** Thrown (as a rejection) when the in-memory record is full of unexpired ids: the claim is refused, never forgotten. */
export class SingleUseRecordFull extends PortcullisError {
  constructor(capacity: number) {
    super('ERR_SINGLE_USE_RECORD_FULL', `the single-use record holds ${capacity} unexpired approvals`);
  }
}

/**
 * A bounded in-memory SingleUseRecord: used ids are kept until they expire (an expired approval is refused for its
 * expiry anyway), pruned lazily. When `capacity` unexpired ids are held, a new claim rejects rather than forgetting an
 * id that could then be replayed.
 */
export function memorySingleUseRecord(options: { readonly capacity?: number; readonly now?: () => number } = {}): SingleUseRecord {
  const capacity = options.capacity ?? DEFAULT_SINGLE_USE_CAPACITY;
  const now = options.now ?? Date.now;
  // Insertion order is not expiry order (TTLs are fixed per process, but clocks may be injected), so pruning scans.
  const used = new Map<string, number>();
  let nextPrune = 0;

  function prune(at: number): void {
    for (const [id, expiresAt] of used) if (expiresAt <= at) used.delete(id);
    nextPrune = at + 1_000;
  }

  return {
    claim(id, expiresAtMs) {
      const at = now();
      if (used.has(id)) return Promise.resolve(false);
      if (used.size >= capacity || at >= nextPrune) prune(at);
      if (used.size >= capacity) return Promise.reject(new SingleUseRecordFull(capacity));
      used.set(id, expiresAtMs);
      return Promise.resolve(true);
    },
  };
}
