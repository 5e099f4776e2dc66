import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { CITY, DISTRICT_A, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf, gql, startTestServer, type TestServer } from '../../support/server.js';
import { subscribe, wsClient } from './ws-client.js';

let server: TestServer;
let fx: Fixture;
let supervisor: string;
let admin: string;
const clients: Client[] = [];

type Issued = {
  issueScreenToken: { jti: string; kind: string; label: string; regionCode: string | null; departmentId: number | null; token: string; path: string };
};
const ME = '{ me { role regionCode departmentId } }';

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
  supervisor = await sessionToken(server, 'super', 'super-pass');
  admin = await sessionToken(server, 'admin', 'admin-pass');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server.close();
});

function issue(vars: Record<string, unknown>, token = supervisor) {
  return server.gql<Issued>(operation('issue-screen-token'), { kind: 'SCREEN', label: '东城区政务服务中心大厅大屏', ...vars }, { token });
}

describe('issueScreenToken', () => {
  it('gives a supervisor a non-expiring read-only token locked to their region by default', async () => {
    const res = await issue({});
    expect(res.errors).toBeUndefined();
    const issued = res.data!.issueScreenToken;
    expect(issued).toMatchObject({ kind: 'SCREEN', regionCode: CITY, departmentId: null });
    expect(issued.path).toBe(`/screen?token=${encodeURIComponent(issued.token)}`);
    const payload = JSON.parse(Buffer.from(issued.token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(payload.exp).toBeUndefined();
    expect(payload).toMatchObject({ typ: 'screen', jti: issued.jti, regionCode: CITY });
    // A year later it still works: no expiry.
    server.clock.advance(366 * 24 * 3600_000);
    const me = await server.gql<{ me: { role: string; regionCode: string } }>(ME, {}, { token: issued.token });
    expect(me.data!.me).toEqual({ role: 'screen', regionCode: CITY, departmentId: null });
    supervisor = await sessionToken(server, 'super', 'super-pass');
    admin = await sessionToken(server, 'admin', 'admin-pass');
  });

  it("locks an embed token to a department inside the supervisor's region", async () => {
    const res = await issue({ departmentId: fx.departments.market.id, kind: 'EMBED', label: '门户首页' });
    expect(res.data!.issueScreenToken).toMatchObject({ kind: 'EMBED', departmentId: fx.departments.market.id, regionCode: null });
    expect(res.data!.issueScreenToken.path).toMatch(/^\/widget\?token=/);
    const me = await server.gql<{ me: { role: string; departmentId: number } }>(ME, {}, { token: res.data!.issueScreenToken.token });
    expect(me.data!.me).toMatchObject({ role: 'screen', departmentId: fx.departments.market.id });
  });

  it("refuses scopes outside the supervisor's region, two scopes at once, and callers below supervisor", async () => {
    expect(codeOf(await issue({ regionCode: '420100000000' }))).toBe('FORBIDDEN');
    expect(codeOf(await issue({ regionCode: DISTRICT_A, departmentId: fx.departments.market.id }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await issue({ regionCode: 'abc' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await issue({ label: ' ' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await issue({ departmentId: 99999 }))).toBe('BAD_USER_INPUT');
    const officer = await sessionToken(server, 'market', 'market-pass');
    expect(codeOf(await issue({}, officer))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(operation('issue-screen-token'), { kind: 'SCREEN', label: 'x' }, { apiKey: fx.keys.market }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(operation('issue-screen-token'), { kind: 'SCREEN', label: 'x' }))).toBe('UNAUTHENTICATED');
  });

  it('lets an admin issue a whole-platform token', async () => {
    const res = await issue({ label: '全市总屏' }, admin);
    expect(res.data!.issueScreenToken).toMatchObject({ regionCode: null, departmentId: null });
  });
});

describe('revokeScreenToken', () => {
  it('makes the auth layer refuse the token on HTTP and on new WebSocket connections at once', async () => {
    const issued = (await issue({ label: '待撤销大屏' })).data!.issueScreenToken;
    expect((await server.gql(ME, {}, { token: issued.token })).errors).toBeUndefined();
    const revoked = await server.gql<{ revokeScreenToken: { jti: string; revokedAt: string } }>(
      operation('revoke-screen-token'),
      { jti: issued.jti },
      { token: supervisor },
    );
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeScreenToken.revokedAt).toBeTruthy();
    const after = await gql(server.url, ME, {}, { token: issued.token });
    expect(codeOf(after)).toBe('UNAUTHENTICATED');
    expect(after.errors![0]!.message).toContain('revoked');

    const client = wsClient(server.url, { authorization: `Bearer ${issued.token}` });
    clients.push(client);
    const sub = subscribe(client, 'subscription { ratingPresented(windowId: 1) { id } }', {});
    const msg = await sub.next();
    expect(msg.errors?.[0]?.message).toMatch(/4403|Forbidden|closed/i);
  });

  it('refuses a token whose jti was never recorded (signed outside issueScreenToken)', async () => {
    const { token } = await server.app.tokens.sign('screen', 'T', null, {});
    expect(codeOf(await server.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
  });

  it("is idempotent, scoped to the supervisor's region, and lists what the caller manages", async () => {
    const issued = (await issue({ regionCode: DISTRICT_A, label: '东城区大屏' })).data!.issueScreenToken;
    const again = () => server.gql(operation('revoke-screen-token'), { jti: issued.jti }, { token: supervisor });
    expect((await again()).errors).toBeUndefined();
    expect((await again()).errors).toBeUndefined();
    expect(codeOf(await server.gql(operation('revoke-screen-token'), { jti: 'nope' }, { token: supervisor }))).toBe('NOT_FOUND');
    const platform = (await issue({ label: '平台总屏' }, admin)).data!.issueScreenToken;
    expect(codeOf(await server.gql(operation('revoke-screen-token'), { jti: platform.jti }, { token: supervisor }))).toBe('FORBIDDEN');

    type Listed = { screenTokens: Array<{ jti: string; revokedAt: string | null; token: string | null }> };
    const active = await server.gql<Listed>('{ screenTokens { jti revokedAt token } }', {}, { token: supervisor });
    expect(active.data!.screenTokens.map((t) => t.jti)).not.toContain(issued.jti);
    expect(active.data!.screenTokens.map((t) => t.jti)).not.toContain(platform.jti);
    expect(active.data!.screenTokens.every((t) => t.token === null)).toBe(true);
    const all = await server.gql<Listed>('{ screenTokens(includeRevoked: true) { jti revokedAt } }', {}, { token: supervisor });
    expect(all.data!.screenTokens.find((t) => t.jti === issued.jti)?.revokedAt).toBeTruthy();
    const adminList = await server.gql<Listed>('{ screenTokens { jti } }', {}, { token: admin });
    expect(adminList.data!.screenTokens.map((t) => t.jti)).toContain(platform.jti);
  });
});
