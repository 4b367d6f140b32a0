/**
 * A copy of the measured petstore build with a realistic Cedar policy set in policies/local.cedar, for the round-trip
 * benchmark's policy cells: forty policies of the kinds a team writes (argument values, roles, scopes, claims), none
 * of which forbids the measured call, so every call is evaluated against all of them and allowed.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const POLICY_COUNT = 40;

/** The policies: ten of each kind, spread over the petstore's actions, the measured getPetById among them. */
export function policySet(): string {
  const actions = ['getPetById', 'updatePet', 'deletePet', 'findPetsByStatus', 'getOrderById'];
  const policies: string[] = [];
  for (let i = 0; i < POLICY_COUNT / 4; i++) {
    const action = actions[i % actions.length]!;
    policies.push(
      `@id("pet-${i}-reserved")\nforbid (principal, action == Action::"getPetById", resource)\nwhen { context.args.petId == ${9000 + i} }\nunless { principal.roles.contains("supervisor") };`,
      `@id("${action}-${i}-contractors")\nforbid (principal, action == Action::"${action}", resource)\nwhen { principal.scopes.contains("contractor-${i}") };`,
      `@id("blocked-subject-${i}")\nforbid (principal, action, resource)\nwhen { principal has sub && principal.sub == "blocked-user-${i}" };`,
      `@id("client-${i}-read-only")\nforbid (principal, action in [Action::"updatePet", Action::"deletePet"], resource)\nwhen { principal has client_id && principal.client_id == "reporting-${i}" };`,
    );
  }
  return `${policies.join('\n\n')}\n`;
}

/**
 * Lays out `target` like the build in `source` (dist, tools.json, policies) with the policy set; returns `target`,
 * which must lie inside the repository so that its packages resolve from the root node_modules as the source's do.
 * Without `withBuild`, only the policies folder; `policies` replaces the benchmark's set as local.cedar.
 */
export function buildWithPolicies(source: string, target: string, options: { withBuild?: boolean; policies?: string } = {}): string {
  mkdirSync(join(target, 'policies'), { recursive: true });
  // Copied, not linked: the server finds ../policies/ and ../tools.json from its own (real) path.
  if (options.withBuild ?? true) {
    cpSync(join(source, 'dist'), join(target, 'dist'), { recursive: true });
    for (const file of ['tools.json', 'package.json']) cpSync(join(source, file), join(target, file));
  }
  for (const file of ['policies/schema.cedarschema', 'policies/base.cedar']) cpSync(join(source, file), join(target, file));
  writeFileSync(join(target, 'policies/local.cedar'), options.policies ?? policySet());
  return target;
}
