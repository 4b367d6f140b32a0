/**
 * Names that the emitted files use as keys or variable names (ConfigMap and Secret keys, environment variables,
 * image names and tags): the model derives them from validated names, and the emitter refuses anything outside a
 * strict alphabet as a second line of defense, since no quoting would make a forged key harmless.
 */
import { printableAscii } from './printable-ascii.js';

const KEY = /^[A-Za-z0-9_.-]+$/;

/** `value` unchanged when it is a non-empty string of `[A-Za-z0-9_.-]`; otherwise throws (a bug upstream of emit). */
export function assertKey(value: unknown, label = 'key'): string {
  if (typeof value === 'string' && KEY.test(value)) return value;
  const shown = typeof value === 'string' ? `"${printableAscii(value, '"')}"` : String(value);
  throw new Error(`internal error: ${label} ${shown} is not made of A-Z, a-z, 0-9, "_", "." and "-", so it cannot be emitted as a key or variable name`);
}
