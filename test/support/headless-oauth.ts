/**
 * An OAuth client provider without a browser, for the SDK clients of both lines (v1 `@modelcontextprotocol/sdk` and
 * v2 `@modelcontextprotocol/client` take the same shape): `redirectToAuthorization` follows the authorization URL
 * through the authorization server's automatic login and consent and keeps the callback's query; the test then hands
 * it (or its code) to the transport's `finishAuth`, as a real client's callback handler would.
 */
import { randomUUID } from 'node:crypto';

export const REDIRECT_URL = 'http://127.0.0.1:1/oauth/callback';

interface Tokens {
  readonly access_token: string;
}

export class HeadlessOAuthProvider {
  readonly authorizationUrls: URL[] = [];
  readonly savedTokens: Tokens[] = [];
  private client: unknown;
  private current: Tokens | undefined;
  private verifier: string | undefined;
  private expectedState: string | undefined;
  private callback: URLSearchParams | undefined;

  /** `follow` takes the authorization URL and resolves with the URL the authorization server redirects back to. */
  constructor(
    private readonly follow: (authorizationUrl: URL) => Promise<URL>,
    private readonly clientName = 'portcullis e2e',
  ) {}

  get redirectUrl(): string {
    return REDIRECT_URL;
  }

  get clientMetadata() {
    return { client_name: this.clientName, redirect_uris: [REDIRECT_URL], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }

  state(): string {
    this.expectedState = randomUUID();
    return this.expectedState;
  }

  clientInformation(): never {
    return this.client as never;
  }

  saveClientInformation(information: unknown): void {
    this.client = information;
  }

  tokens(): never {
    return this.current as never;
  }

  saveTokens(tokens: Tokens): void {
    this.current = tokens;
    this.savedTokens.push(tokens);
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrls.push(authorizationUrl);
    const back = await this.follow(authorizationUrl);
    if (`${back.origin}${back.pathname}` !== REDIRECT_URL) throw new Error(`redirected to ${back.href}, not to the redirect_uri`);
    if (back.searchParams.get('state') !== this.expectedState) throw new Error('state mismatch');
    const error = back.searchParams.get('error');
    if (error) throw new Error(`authorization failed: ${error}: ${back.searchParams.get('error_description')}`);
    this.callback = back.searchParams;
  }

  /** The query of the last redirect back (code, state and the RFC 9207 iss), once. */
  takeCallback(): URLSearchParams {
    const callback = this.callback;
    this.callback = undefined;
    if (!callback?.get('code')) throw new Error('no authorization code captured');
    return callback;
  }

  /** The code of the last redirect back, once. */
  takeCode(): string {
    return this.takeCallback().get('code')!;
  }
}
