/** In-memory storage for oidc-provider, private to one dev-auth instance: nothing is written to disk. */

interface StoredRecord {
  payload: Record<string, unknown>;
  expiresAt: number | undefined;
}

/**
 * An oidc-provider adapter class keeping every model (clients, grants, sessions, codes…) in this instance's own maps;
 * the built-in one is module-wide and warns on every start. Expiry is honoured on read.
 * @see https://github.com/panva/node-oidc-provider/blob/v8.8.1/example/my_adapter.js
 */
export function memoryAdapter() {
  const records = new Map<string, StoredRecord>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();
  return class MemoryAdapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      const key = this.key(id);
      records.set(key, { payload: structuredClone(payload), expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
      if (typeof payload.uid === 'string') byUid.set(payload.uid, id);
      if (typeof payload.userCode === 'string') byUserCode.set(payload.userCode, id);
      if (typeof payload.grantId === 'string') {
        const keys = byGrant.get(payload.grantId) ?? new Set<string>();
        byGrant.set(payload.grantId, keys.add(key));
      }
    }

    async find(id: string): Promise<Record<string, unknown> | undefined> {
      const record = records.get(this.key(id));
      if (!record) return undefined;
      if (record.expiresAt !== undefined && record.expiresAt <= Date.now()) {
        records.delete(this.key(id));
        return undefined;
      }
      return structuredClone(record.payload);
    }

    async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
      const id = byUid.get(uid);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
      const id = byUserCode.get(userCode);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id: string): Promise<void> {
      const record = records.get(this.key(id));
      if (record) record.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      records.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of byGrant.get(grantId) ?? []) records.delete(key);
      byGrant.delete(grantId);
    }
  };
}
