import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture } from '../../support/fixture.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';

const LOGIN = 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ loginMaxFailures: 5, loginLockMinutes: 15, loginAttemptsPerMinute: 40 });
  await makeFixture(server);
});
afterAll(() => server.close());

const login = (u: string, p: string) => server.gql<{ login: { token: string } }>(LOGIN, { u, p });

describe('sign-in (身份鉴别)', () => {
  it('locks a username for 15 minutes after 5 wrong passwords, even for the right one', async () => {
    for (let i = 0; i < 4; i++) expect(codeOf(await login('market', 'wrong-password'))).toBe('UNAUTHENTICATED');
    const fifth = await login('market', 'wrong-password');
    expect(codeOf(fifth)).toBe('ACCOUNT_LOCKED');
    expect(fifth.errors?.[0]?.extensions?.retryAfter).toBe(15 * 60);
    expect(codeOf(await login('market', 'market-pass'))).toBe('ACCOUNT_LOCKED');
    server.clock.advance(15 * 60_000 + 1);
    expect(codeOf(await login('market', 'market-pass'))).toBeUndefined();
  });

  it('starts counting again after a successful sign-in', async () => {
    for (let i = 0; i < 4; i++) await login('police', 'wrong-password');
    expect(codeOf(await login('police', 'police-pass'))).toBeUndefined();
    expect(codeOf(await login('police', 'wrong-password'))).toBe('UNAUTHENTICATED');
  });

  it('answers an unknown username exactly like a known one: same errors, same lock, comparable time', async () => {
    const timed = async (u: string) => {
      const started = performance.now();
      const result = await login(u, 'wrong-password');
      return { code: codeOf(result), ms: performance.now() - started };
    };
    const unknown = [];
    const known = [];
    for (let i = 0; i < 4; i++) {
      unknown.push(await timed('nobody-here'));
      known.push(await timed('super'));
    }
    expect(unknown.map((r) => r.code)).toEqual(known.map((r) => r.code));
    expect((await timed('nobody-here')).code).toBe('ACCOUNT_LOCKED');
    // Both run the same password check (scrypt); before, an unknown name answered about 20 times faster.
    const median = (rs: Array<{ ms: number }>) => rs.map((r) => r.ms).sort((a, b) => a - b)[1]!;
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.3);
  });

  it('throttles sign-in attempts per address with HTTP 429 and Retry-After', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 45; i++) {
      last = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: LOGIN, variables: { u: `probe-${i}`, p: 'x' } }),
      });
      if (last.status === 429) break;
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await last!.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
  });
});
