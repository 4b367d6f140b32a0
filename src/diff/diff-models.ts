/**
 * What changed between two generations, for people: tools added, removed and renamed, argument fields changed, and
 * every change that loosens who may do what. Pure: compares two ModelSummary values (see emit/manifest.ts).
 */
import type { ModelSummary, ToolSummary } from '../emit/manifest.js';

export type ChangeKind =
  | 'tool-added'
  | 'tool-removed'
  | 'tool-renamed'
  | 'field-added'
  | 'field-removed'
  | 'field-required'
  | 'field-optional'
  | 'scopes-tightened'
  | 'roles-tightened'
  | 'binding-added'
  | 'consent-added'
  // security-relevant:
  | 'scopes-loosened'
  | 'became-public'
  | 'roles-loosened'
  | 'role-dropped'
  | 'new-data-changing-tool'
  | 'new-upstream-scheme'
  | 'binding-removed'
  | 'binding-changed'
  | 'consent-dropped'
  // a hook in the user's src/hooks.ts that names no tool any more (src/write/stale-hooks.ts)
  | 'stale-hook';

export interface Change {
  readonly kind: ChangeKind;
  /** The tool (its new name), or the scheme for `new-upstream-scheme`. */
  readonly subject: string;
  /** One line for people. */
  readonly message: string;
  /** Loosens authorization or widens what the server can do: flagged, and fatal with --fail-on-security-change. */
  readonly security: boolean;
}

/** Every change from `before` to `after`, tools in the order of `after` (removed ones last), security ones marked. */
export function diffModels(before: ModelSummary, after: ModelSummary): Change[] {
  const changes: Change[] = [];
  const oldByName = new Map(before.tools.map((tool) => [tool.name, tool]));
  const newNames = new Set(after.tools.map((tool) => tool.name));
  // A tool that disappeared under one name and appeared under another with the same operation was renamed.
  const vanished = new Map(before.tools.filter((tool) => !newNames.has(tool.name)).map((tool) => [operationOf(tool), tool]));

  for (const tool of after.tools) {
    let old = oldByName.get(tool.name);
    if (!old) {
      old = vanished.get(operationOf(tool));
      if (old) {
        vanished.delete(operationOf(tool));
        changes.push(change('tool-renamed', tool.name, `tool ${old.name} renamed to ${tool.name} (${operationOf(tool)})`));
      }
    }
    if (!old) {
      changes.push(change('tool-added', tool.name, `tool ${tool.name} added (${operationOf(tool)}), ${describeAccess(tool)}`));
      if (tool.changesData) {
        changes.push(change('new-data-changing-tool', tool.name, `new tool ${tool.name} changes data (${operationOf(tool)}), ${describeAccess(tool)}${tool.consent ? ', asks the user before each call' : ''}`, true));
      }
      continue;
    }
    changes.push(...fieldChanges(old, tool), ...accessChanges(old, tool), ...bindingChanges(old, tool), ...consentChanges(old, tool));
  }
  for (const old of vanished.values()) changes.push(change('tool-removed', old.name, `tool ${old.name} removed (${operationOf(old)})`));

  for (const [scheme, type] of Object.entries(after.securitySchemes)) {
    // An own key only: a scheme named `constructor` or `toString` is new even though every object inherits one.
    if (!Object.hasOwn(before.securitySchemes, scheme)) {
      changes.push(change('new-upstream-scheme', scheme, `new upstream security scheme ${scheme} (${type}): the server may send new credentials upstream`, true));
    }
  }
  return changes;
}

function fieldChanges(old: ToolSummary, tool: ToolSummary): Change[] {
  const changes: Change[] = [];
  const oldProps = new Set(old.properties);
  const newProps = new Set(tool.properties);
  const oldRequired = new Set(old.required);
  const newRequired = new Set(tool.required);
  for (const field of tool.properties) {
    if (!oldProps.has(field)) changes.push(change('field-added', tool.name, `tool ${tool.name}: field ${field} added${newRequired.has(field) ? ' (required)' : ''}`));
    else if (newRequired.has(field) && !oldRequired.has(field)) changes.push(change('field-required', tool.name, `tool ${tool.name}: field ${field} made required`));
    else if (!newRequired.has(field) && oldRequired.has(field)) changes.push(change('field-optional', tool.name, `tool ${tool.name}: field ${field} made optional`));
  }
  for (const field of old.properties) {
    if (!newProps.has(field)) changes.push(change('field-removed', tool.name, `tool ${tool.name}: field ${field} removed`));
  }
  return changes;
}

function accessChanges(old: ToolSummary, tool: ToolSummary): Change[] {
  const changes: Change[] = [];
  const wasPublic = isPublic(old);
  if (!wasPublic && isPublic(tool)) {
    return [change('became-public', tool.name, `tool ${tool.name} became public: it required ${describeAccess(old)}, now anyone may call it${provenanceChange(old, tool)}`, true)];
  }
  if (scopesLooser(old.scopes, tool.scopes)) {
    changes.push(change('scopes-loosened', tool.name, `tool ${tool.name}: required scopes loosened from ${formatScopes(old.scopes)} to ${formatScopes(tool.scopes)}${provenanceChange(old, tool)}`, true));
  } else if (scopesLooser(tool.scopes, old.scopes)) {
    changes.push(change('scopes-tightened', tool.name, `tool ${tool.name}: required scopes tightened from ${formatScopes(old.scopes)} to ${formatScopes(tool.scopes)}${provenanceChange(old, tool)}`));
  }
  if (old.roles.length > 0 && tool.roles.length === 0) {
    changes.push(change('role-dropped', tool.name, `tool ${tool.name}: role requirement dropped (was one of ${old.roles.join(', ')})`, true));
  } else if (old.roles.length > 0 && tool.roles.some((role) => !old.roles.includes(role))) {
    changes.push(change('roles-loosened', tool.name, `tool ${tool.name}: roles loosened from one of ${old.roles.join(', ')} to one of ${tool.roles.join(', ')}`, true));
  } else if ((old.roles.length === 0 && tool.roles.length > 0) || old.roles.some((role) => !tool.roles.includes(role))) {
    changes.push(change('roles-tightened', tool.name, `tool ${tool.name}: roles now ${tool.roles.length ? `one of ${tool.roles.join(', ')}` : 'none'} (were ${old.roles.length ? old.roles.join(', ') : 'none'})`));
  }
  return changes;
}

/**
 * Arguments bound to claims: one no longer bound (the model may now choose it) or bound to another claim is
 * security-relevant; a new binding narrows what the model may choose, listed all the same.
 */
function bindingChanges(old: ToolSummary, tool: ToolSummary): Change[] {
  const before = bindingMap(old);
  const after = bindingMap(tool);
  const changes: Change[] = [];
  for (const [field, claim] of after) {
    const was = before.get(field);
    if (was === undefined) changes.push(change('binding-added', tool.name, `tool ${tool.name}: ${field} now bound to the claim ${claim} (no longer chosen by the model)`));
    else if (was !== claim) changes.push(change('binding-changed', tool.name, `tool ${tool.name}: ${field} bound to the claim ${claim}, was ${was}`, true));
  }
  for (const [field, claim] of before) {
    if (!after.has(field)) changes.push(change('binding-removed', tool.name, `tool ${tool.name}: ${field} no longer bound to the claim ${claim}: the model may now choose it`, true));
  }
  return changes;
}

/**
 * Consent: a tool that no longer asks the user before each call is security-relevant (calls that needed a yes now run
 * on the model's word alone); one that starts asking is listed.
 */
function consentChanges(old: ToolSummary, tool: ToolSummary): Change[] {
  if (old.consent !== undefined && tool.consent === undefined) {
    return [change('consent-dropped', tool.name, `tool ${tool.name} no longer asks the user before each call (it did: ${old.consent}): calls run without the user's approval`, true)];
  }
  if (old.consent === undefined && tool.consent !== undefined) {
    return [change('consent-added', tool.name, `tool ${tool.name} now asks the user before each call (${tool.consent})`)];
  }
  return [];
}

/** `field` → claim from a summary's `field ← claim` entries (absent in older manifests: none); claim paths hold no space. */
function bindingMap(tool: ToolSummary): Map<string, string> {
  return new Map(
    (tool.bindings ?? []).map((entry) => {
      const at = entry.lastIndexOf(' ← ');
      return [entry.slice(0, at), entry.slice(at + 3)] as const;
    }),
  );
}

/**
 * Whether `after` lets through a caller `before` refused: some alternative of `after` is not a superset of any
 * alternative of `before` (alternatives are ORed scope sets; `[]` lets everyone through).
 */
export function scopesLooser(before: readonly (readonly string[])[], after: readonly (readonly string[])[]): boolean {
  if (before.length === 0) return false;
  if (after.length === 0) return true;
  return after.some((set) => !before.some((required) => required.every((scope) => set.includes(scope))));
}

/** ` (from spec, was config rule 2)` when the scopes' provenance changed; `` when it did not or is unknown. */
function provenanceChange(old: ToolSummary, tool: ToolSummary): string {
  if (old.from === undefined || tool.from === undefined || old.from === tool.from) return '';
  return ` (from ${tool.from}, was ${old.from})`;
}

function isPublic(tool: ToolSummary): boolean {
  return tool.scopes.length === 0 && tool.roles.length === 0;
}

function operationOf(tool: ToolSummary): string {
  return `${tool.method} ${tool.path}`;
}

function formatScopes(scopes: readonly (readonly string[])[]): string {
  return scopes.length === 0 ? 'none' : scopes.map((set) => `[${set.join(' ')}]`).join(' or ');
}

function describeAccess(tool: ToolSummary): string {
  if (isPublic(tool)) return 'public (no scope or role)';
  const parts = [tool.scopes.length ? `scopes ${formatScopes(tool.scopes)}` : '', tool.roles.length ? `one of roles ${tool.roles.join(', ')}` : ''];
  return parts.filter(Boolean).join(' and ');
}

function change(kind: ChangeKind, subject: string, message: string, security = false): Change {
  return { kind, subject, message, security };
}

/** The summary as printed by `diff` and `generate`: security changes first, flagged. */
export function formatChanges(changes: readonly Change[]): string {
  if (changes.length === 0) return 'no changes to tools, arguments or authorization\n';
  const security = changes.filter((c) => c.security);
  const other = changes.filter((c) => !c.security);
  const lines = [
    ...(security.length ? [`!!! ${security.length} security-relevant change${security.length === 1 ? '' : 's'}:`, ...security.map((c) => `  !! ${c.message}`)] : []),
    ...(other.length ? [`${other.length} other change${other.length === 1 ? '' : 's'}:`, ...other.map((c) => `  ${c.kind === 'tool-added' || c.kind === 'field-added' ? '+' : c.kind === 'tool-removed' || c.kind === 'field-removed' ? '-' : '~'} ${c.message}`)] : []),
  ];
  return `${lines.join('\n')}\n`;
}
