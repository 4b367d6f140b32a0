/** The part of oidc-provider 8.x's API dev-auth uses, typed by hand (the package ships no type declarations). */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface OidcGrant {
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

export interface OidcInteraction {
  readonly prompt: { readonly name: string; readonly details: Record<string, unknown> };
  readonly params: Record<string, unknown>;
  readonly session?: { readonly accountId: string };
  readonly grantId?: string;
}

export interface OidcContext {
  readonly oidc: {
    readonly route?: string;
    readonly client?: { readonly clientId: string };
    readonly params?: Record<string, unknown>;
    readonly body?: Record<string, unknown>;
  };
}

export interface OidcToken {
  readonly kind: string;
  readonly accountId?: string;
  readonly clientId?: string;
  readonly resourceServer?: { readonly accessTokenTTL?: number };
}

export interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: unknown, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  readonly Grant: { new (init: { accountId: string; clientId: string }): OidcGrant; find(id: string): Promise<OidcGrant | undefined> };
  on(event: string, listener: (...args: any[]) => void): void;
}

type OidcErrorClass = new (description?: string, detail?: string) => Error;

export interface OidcModule {
  readonly default: new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;
  readonly errors: {
    readonly InvalidTarget: OidcErrorClass;
    readonly InvalidRequest: OidcErrorClass;
    readonly InvalidClientMetadata: OidcErrorClass;
  };
}

// A specifier in a variable: without declarations a literal import would not type-check; the shape is typed above.
const OIDC_PROVIDER = 'oidc-provider';

/** Loads oidc-provider (only when dev-auth runs: `generate` never needs it). */
export async function importOidcProvider(): Promise<OidcModule> {
  return (await import(OIDC_PROVIDER)) as OidcModule;
}
