import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeFixture, sessionToken } from '../../support/fixture.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';

const ME = '{ me { role } }';
const LOGOUT = 'mutation { logout }';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ sessionIdleMinutes: 15, sessionTtlHours: 8 });
  await makeFixture(server);
});
afterAll(() => server.close());

describe('sessions held on the server (身份鉴别: logout, idle and absolute timeouts)', () => {
  it('ends a session at once on logout', async () => {
    const token = await sessionToken(server, 'market', 'market-pass');
    expect((await server.gql<{ me: { role: string } }>(ME, {}, { token })).data!.me.role).toBe('department');
    expect((await server.gql<{ logout: boolean }>(LOGOUT, {}, { token })).data!.logout).toBe(true);
    expect(codeOf(await server.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
    // Another session of the same person is not affected.
    const other = await sessionToken(server, 'market', 'market-pass');
    expect(codeOf(await server.gql(ME, {}, { token: other }))).toBeUndefined();
  });

  it('ends a session after 15 minutes without a request, not while it is used', async () => {
    const token = await sessionToken(server, 'police', 'police-pass');
    for (let i = 0; i < 4; i++) {
      server.clock.advance(14 * 60_000);
      expect(codeOf(await server.gql(ME, {}, { token }))).toBeUndefined();
    }
    server.clock.advance(15 * 60_000 + 1_000);
    const idle = await server.gql(ME, {}, { token });
    expect(codeOf(idle)).toBe('UNAUTHENTICATED');
    expect(idle.errors?.[0]?.message).toContain('without activity');
  });

  it('ends a session 8 hours after sign-in however busy it is', async () => {
    const token = await sessionToken(server, 'super', 'super-pass');
    for (let i = 0; i < 8 * 5; i++) {
      server.clock.advance(12 * 60_000);
      await server.gql(ME, {}, { token });
    }
    expect(codeOf(await server.gql(ME, {}, { token }))).toBe('TOKEN_EXPIRED');
  });

  it('closes the WebSocket connections of a session that signs out', async () => {
    const token = await sessionToken(server, 'admin', 'admin-pass');
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      ws.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') resolve();
      });
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await server.gql(LOGOUT, {}, { token });
    expect(await closed).toBe(4401);
  });

  it('refuses logout to callers without a session', async () => {
    expect(codeOf(await server.gql(LOGOUT))).toBe('UNAUTHENTICATED');
  });
});
