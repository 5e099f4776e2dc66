/** How the dashboard identifies itself: a screen/embed/rating token (Bearer) or a device key. */
export interface Credentials {
  token?: string | null;
  apiKey?: string | null;
}

const DEVICE_KEY = 'hcp.deviceKey';

/** The screen or embed token of a kiosk URL (`?token=`), if any; without one the page is public. */
export function screenCredentials(search: string): Credentials {
  const token = new URLSearchParams(search).get('token');
  return token ? { token } : {};
}

/** The window evaluator's device key: entered once, kept on the device. */
export function storedDeviceKey(): string | null {
  try {
    return localStorage.getItem(DEVICE_KEY);
  } catch {
    return null;
  }
}

export function storeDeviceKey(key: string | null): void {
  try {
    if (key) localStorage.setItem(DEVICE_KEY, key);
    else localStorage.removeItem(DEVICE_KEY);
  } catch {
    // A kiosk without storage asks again after a reload.
  }
}

/** graphql-ws connection params and HTTP headers for the same credentials (see README). */
export function connectionParams(c: Credentials): Record<string, string> {
  const params: Record<string, string> = {};
  if (c.token) params.authorization = `Bearer ${c.token}`;
  if (c.apiKey) params.apiKey = c.apiKey;
  return params;
}

export function httpHeaders(c: Credentials): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  if (c.apiKey) headers['x-api-key'] = c.apiKey;
  return headers;
}

export function credentialKey(c: Credentials): string {
  return `${c.token ?? ''}|${c.apiKey ?? ''}`;
}
