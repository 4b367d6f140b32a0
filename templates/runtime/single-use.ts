/** A record of single-use identifiers (consent approvals): each may be claimed once, until it expires. */

export interface SingleUseRecord {
  /** Marks `id` used until `expiresAtMs` (epoch ms); resolves false when it was already used. Rejects when the
   *  record cannot be consulted — callers then refuse (fail closed). */
  claim(id: string, expiresAtMs: number): Promise<boolean>;
}
