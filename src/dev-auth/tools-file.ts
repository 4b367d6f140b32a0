/** The scopes and roles of a generated server, read from its tools.json (the runtime's data contract, definition.ts). */
import { readFile } from 'node:fs/promises';
import { isRecord } from '../shared/guards.js';
import type { KnownGrants } from './options.js';

/** Reads `scopes`, the keys of `impliedScopes` (broader scopes such as `tickets:admin`) and `roles` of a tools.json. */
export async function readToolsFile(path: string): Promise<KnownGrants | { readonly usage: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { usage: `--tools ${JSON.stringify(path)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); pass the tools.json of a generated server, e.g. --tools generated/helpdesk/tools.json` };
  }
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch {
    return { usage: `--tools ${JSON.stringify(path)} is not JSON; pass the tools.json of a generated server` };
  }
  return toKnownGrants(definition) ?? { usage: `--tools ${JSON.stringify(path)} has no "scopes" and "roles" lists of strings; pass the tools.json of a generated server` };
}

/** The grants of a parsed tools.json, or undefined when it does not have the expected shape. */
export function toKnownGrants(definition: unknown): KnownGrants | undefined {
  if (!isRecord(definition)) return undefined;
  const { scopes, roles, impliedScopes } = definition;
  if (!isStringList(scopes) || !isStringList(roles)) return undefined;
  const broader = isRecord(impliedScopes) ? Object.keys(impliedScopes) : [];
  return { scopes: [...new Set([...scopes, ...broader])], roles: [...new Set(roles)] };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
