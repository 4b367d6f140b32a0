/** The one digest the generator records and keys its build assets by. */
import { createHash } from 'node:crypto';

/** sha256 of `data` (a string is hashed as UTF-8), in lower-case hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
