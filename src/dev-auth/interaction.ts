/** The dev user's side of an authorization request: signed in and consenting automatically, with no page to fill in. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OidcProvider } from './oidc-provider-types.js';

/**
 * Answers `/interaction/:uid`: the login prompt signs in `accountId`; the consent prompt grants every scope and
 * resource the client asked for (the resource server only offers the configured scopes). Both answer with redirects,
 * so a browser or a headless user agent simply follows them back to the client's redirect_uri.
 * @see https://github.com/panva/node-oidc-provider/blob/v8.8.1/docs/README.md#user-flows
 */
export async function approveInteraction(provider: OidcProvider, accountId: string, req: IncomingMessage, res: ServerResponse): Promise<{ clientId: string; scope: string } | undefined> {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return undefined;
  }
  if (prompt.name !== 'consent') {
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description: `unsupported prompt ${prompt.name}` }, { mergeWithLastSubmission: false });
    return undefined;
  }
  const clientId = String(params.client_id);
  const grant = (grantId ? await provider.Grant.find(grantId) : undefined) ?? new provider.Grant({ accountId: session?.accountId ?? accountId, clientId });
  const details = prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
  const consented: string[] = [];
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
    consented.push(...scopes);
  }
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  return { clientId, scope: consented.join(' ') };
}
