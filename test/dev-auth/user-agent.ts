/** A headless browser for dev-auth: follows an authorization URL through the automatic login and consent, keeping cookies. */

/** Returns a function that follows an authorization URL to the first URL outside `issuer` (the client's redirect_uri). */
export function headlessUserAgent(issuer: string): (authorizationUrl: string | URL) => Promise<URL> {
  const cookies = new Map<string, string>();
  return async (authorizationUrl) => {
    let url = new URL(authorizationUrl);
    for (let hop = 0; hop < 20; hop++) {
      if (url.origin !== issuer) return url;
      const response = await fetch(url, { redirect: 'manual', headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name);
        else cookies.set(name, value);
      }
      const location = response.headers.get('location');
      const text = await response.text();
      if (response.status < 300 || response.status >= 400 || !location) throw new Error(`authorization stopped at ${url.pathname} with HTTP ${response.status}: ${text.slice(0, 500)}`);
      url = new URL(location, url);
    }
    throw new Error('too many redirects while authorizing');
  };
}
