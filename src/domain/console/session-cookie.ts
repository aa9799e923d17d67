/**
 * The console's session cookie: opaque, `HttpOnly` (no script reads it),
 * `SameSite=Strict` (no other site's page sends it), `Path=/`, and `Secure`
 * unless the console is served over plain HTTP on this machine, where a
 * browser would drop a Secure cookie. It carries no Max-Age: the server
 * decides expiry, and the browser forgets it when it closes.
 */
export const sessionCookieName = 'paypilot_console';

export function isLocalHttp(publicBaseUrl: string): boolean {
  try {
    const url = new URL(publicBaseUrl);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

export function sessionCookie(token: string, publicBaseUrl: string): string {
  const secure = isLocalHttp(publicBaseUrl) ? '' : '; Secure';
  return `${sessionCookieName}=${token}; Path=/; HttpOnly; SameSite=Strict${secure}`;
}

/** The header that makes the browser forget the cookie at once. */
export function clearedSessionCookie(publicBaseUrl: string): string {
  const secure = isLocalHttp(publicBaseUrl) ? '' : '; Secure';
  return `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Strict${secure}; Max-Age=0`;
}

/** The session token from a Cookie header, or null. */
export function sessionTokenFrom(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === sessionCookieName) {
      const value = part.slice(index + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
    }
  }
  return null;
}
