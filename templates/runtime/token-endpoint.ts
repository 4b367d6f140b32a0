/**
 * The server's own requests to an authorization server's token endpoint (RFC 6749 §3.2): client credentials
 * (credentials.ts) and token exchange or on-behalf-of (token-exchange.ts) share how the client authenticates, how the
 * form is posted and how the answer is read; each decides what a failure means for its caller.
 */

/** RFC 6749 §2.3.1 client_secret_basic: both parts form-urlencoded, then base64. */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  const formEncode = (text: string) => new URLSearchParams([['', text]]).toString().slice(1);
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}

/** The token endpoint's answer: its status and JSON object (empty when the body is not one), or why it was not reached. */
export type TokenEndpointAnswer =
  | { readonly reached: true; readonly status: number; readonly ok: boolean; readonly json: Readonly<Record<string, unknown>> }
  | { readonly reached: false; readonly problem: string };

/** POSTs `body` as a form to `url`, never following a redirect (it would carry the credentials elsewhere). */
export async function postTokenRequest(
  url: string,
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: URLSearchParams; readonly timeoutMs: number; readonly fetch?: typeof fetch | undefined },
): Promise<TokenEndpointAnswer> {
  let response: Response;
  try {
    response = await (request.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...request.headers },
      body: request.body.toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    return { reached: false, problem: (error as Error).name === 'TimeoutError' ? `no answer within ${request.timeoutMs} ms` : 'the request failed' };
  }
  const text = await response.text().catch(() => '');
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the status says what happened.
  }
  return { reached: true, status: response.status, ok: response.ok, json };
}

/** RFC 6749 §5.2: the `error` and `error_description` of a refusal, joined, each passed through `clean`. */
export function tokenErrorDetail(json: Readonly<Record<string, unknown>>, clean: (text: string) => string): string {
  return [json.error, json.error_description]
    .filter((item): item is string => typeof item === 'string')
    .map(clean)
    .join(': ');
}

/**
 * The access token of a successful answer (RFC 6749 §5.1), or why it cannot be used: missing, empty or with characters
 * a header cannot carry, or a `token_type` other than Bearer.
 */
export function bearerTokenOf(json: Readonly<Record<string, unknown>>, clean: (text: string) => string): { token: string } | { problem: string } {
  const token = json.access_token;
  if (typeof token !== 'string' || !token || /[^\x21-\x7e]/.test(token)) return { problem: 'the response has no usable access_token' };
  if (typeof json.token_type === 'string' && json.token_type.toLowerCase() !== 'bearer') return { problem: `token_type "${clean(json.token_type)}" is not Bearer` };
  return { token };
}
