import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordProblem } from '../../../server/src/auth/password.logic.js';
import { totpCode } from '../../../server/src/auth/totp.js';
import { createUser } from '../../../server/src/auth/auth.service.js';
import { productionProblems } from '../../../server/src/app/production.js';
import type { Em } from '../../../server/src/db/orm.js';
import { makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';

const LOGIN = 'mutation ($u: String!, $p: String!, $t: String) { login(username: $u, password: $p, totp: $t) { token mustChangePassword mustEnrollTotp } }';
const CREATE = 'mutation ($i: CreateUserInput!) { createUser(input: $i) { id username role mustChangePassword } }';
const CHANGE = 'mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }';
const ME = '{ me { role departmentId } }';
const AUDIT = 'query ($a: String) { auditLog(action: $a) { actor action subject ip requestId outcome } }';

type Login = { login: { token: string; mustChangePassword: boolean; mustEnrollTotp: boolean } };

let server: TestServer;
let fx: Fixture;
let security: string;
let auditor: string;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
  security = await sessionToken(server, 'security', 'security-pass');
  auditor = await sessionToken(server, 'auditor', 'auditor-pass');
});
afterAll(() => server.close());

const login = (u: string, p: string, t?: string) => server.gql<Login>(LOGIN, { u, p, t });
const create = (input: Record<string, unknown>) => server.gql<{ createUser: { id: number; username: string } }>(CREATE, { i: input }, { token: security });
const audit = async (action: string) =>
  (await server.gql<{ auditLog: Array<Record<string, string>> }>(AUDIT, { a: action }, { token: auditor })).data!.auditLog;

/** Creates an officer of the market department and signs in with the changed password; returns its id and token. */
async function officer(username: string, password = 'Market#2026x'): Promise<{ id: number; token: string }> {
  const created = await create({ username, displayName: '测试经办人', role: 'department', departmentId: fx.departments.market.id, password: 'Initial#2026' });
  expect(created.errors).toBeUndefined();
  const first = (await login(username, 'Initial#2026')).data!.login;
  expect(await server.gql(CHANGE, { c: 'Initial#2026', n: password }, { token: first.token })).toMatchObject({ data: { changePassword: true } });
  return { id: created.data!.createUser.id, token: (await login(username, password)).data!.login.token };
}

describe('password rules (身份鉴别)', () => {
  it('asks for 8 characters of three kinds, refuses common passwords and the username', () => {
    expect(passwordProblem('Ab1!', 'zhang')?.reason).toBe('length');
    expect(passwordProblem('abcdefgh1', 'zhang')?.reason).toBe('kinds');
    expect(passwordProblem('P@ssw0rd', 'zhang')?.reason).toBe('weak');
    expect(passwordProblem('Admin@123', 'zhang')?.reason).toBe('weak');
    expect(passwordProblem('Zhang#2026', 'zhang')?.reason).toBe('username');
    expect(passwordProblem('Lake-River-9', 'zhang')).toBeNull();
    expect(passwordProblem('lake-river-9', 'zhang')).toBeNull();
  });

  it('refuses a weak initial password with WEAK_PASSWORD and says why', async () => {
    const res = await create({ username: 'weak.one', displayName: 'x', role: 'auditor', password: 'password' });
    expect(codeOf(res)).toBe('WEAK_PASSWORD');
    expect(res.errors![0]!.message).toMatch(/three/);
    expect(res.errors![0]!.extensions).toMatchObject({ reason: 'kinds' });
  });

  it('makes a new account change its password before anything else, and refuses the last five again', async () => {
    await create({ username: 'liu.fang', displayName: '刘芳', role: 'department', departmentId: fx.departments.market.id, password: 'Initial#2026' });
    const first = (await login('liu.fang', 'Initial#2026')).data!.login;
    expect(first).toMatchObject({ mustChangePassword: true });
    expect(codeOf(await server.gql('{ rectificationCases { total } }', {}, { token: first.token }))).toBe('PASSWORD_CHANGE_REQUIRED');
    expect(await server.gql(ME, {}, { token: first.token })).toMatchObject({ data: { me: { role: 'department' } } });
    expect(await server.gql(CHANGE, { c: 'Initial#2026', n: 'River#2026a' }, { token: first.token })).toMatchObject({ data: { changePassword: true } });
    // The limited session ended with the change; the new password signs in fully.
    expect(codeOf(await server.gql(ME, {}, { token: first.token }))).toBe('UNAUTHENTICATED');
    const token = (await login('liu.fang', 'River#2026a')).data!.login.token;
    expect(await server.gql(CHANGE, { c: 'River#2026a', n: 'River#2026b' }, { token })).toMatchObject({ data: { changePassword: true } });
    expect(await server.gql(CHANGE, { c: 'River#2026b', n: 'River#2026c' }, { token })).toMatchObject({ data: { changePassword: true } });
    // Two back, one back, and the current one are all among the last five.
    const reused = await server.gql(CHANGE, { c: 'River#2026c', n: 'River#2026a' }, { token });
    expect(codeOf(reused)).toBe('WEAK_PASSWORD');
    expect(reused.errors![0]!.extensions).toMatchObject({ reason: 'reused' });
    expect(codeOf(await server.gql(CHANGE, { c: 'River#2026c', n: 'Initial#2026' }, { token }))).toBe('WEAK_PASSWORD');
    expect(codeOf(await server.gql(CHANGE, { c: 'River#2026c', n: 'River#2026c' }, { token }))).toBe('WEAK_PASSWORD');
    expect(codeOf(await server.gql(CHANGE, { c: 'wrong', n: 'Brand#New99' }, { token }))).toBe('UNAUTHENTICATED');
    expect((await login('liu.fang', 'River#2026c')).data!.login.token).toBeTruthy();
  });
});

describe('TOTP second factor (RFC 6238)', () => {
  it('needs the current code once enrolled; a wrong code counts as a failure and a code works once', async () => {
    const { token } = await officer('zhou.min');
    const setup = await server.gql<{ setupTotp: { secret: string; uri: string } }>('mutation { setupTotp { secret uri } }', {}, { token });
    const { secret, uri } = setup.data!.setupTotp;
    expect(uri).toMatch(/^otpauth:\/\/totp\/.*zhou\.min\?secret=/);
    const now = server.clock.now().getTime();
    expect(codeOf(await server.gql('mutation ($c: String!) { enableTotp(code: $c) }', { c: '000000' }, { token }))).toBe('BAD_USER_INPUT');
    expect(await server.gql('mutation ($c: String!) { enableTotp(code: $c) }', { c: await totpCode(secret, now) }, { token })).toMatchObject({
      data: { enableTotp: true },
    });

    server.clock.advance(60_000);
    expect(codeOf(await login('zhou.min', 'Market#2026x'))).toBe('TOTP_REQUIRED');
    expect(codeOf(await login('zhou.min', 'Market#2026x', '123456'))).toBe('UNAUTHENTICATED');
    const code = await totpCode(secret, server.clock.now().getTime());
    const ok = await login('zhou.min', 'Market#2026x', code);
    expect(ok.data?.login.token).toBeTruthy();
    // The same code again (seen over a shoulder) is refused.
    expect(codeOf(await login('zhou.min', 'Market#2026x', code))).toBe('UNAUTHENTICATED');
    expect((await audit('sign-in.totp-required'))[0]).toMatchObject({ subject: 'user:zhou.min', outcome: 'refused' });
  });

  it('with REQUIRE_TOTP, an officer without a second factor may only enrol it', async () => {
    const strict = await startTestServer({ requireTotp: true });
    try {
      await makeFixture(strict);
      const res = await strict.gql<Login>(LOGIN, { u: 'market', p: 'market-pass' });
      expect(res.data!.login).toMatchObject({ mustEnrollTotp: true, mustChangePassword: false });
      const token = res.data!.login.token;
      expect(codeOf(await strict.gql('{ rectificationCases { total } }', {}, { token }))).toBe('TOTP_ENROLLMENT_REQUIRED');
      const { secret } = (await strict.gql<{ setupTotp: { secret: string } }>('mutation { setupTotp { secret } }', {}, { token })).data!.setupTotp;
      const code = await totpCode(secret, strict.clock.now().getTime());
      expect(await strict.gql('mutation ($c: String!) { enableTotp(code: $c) }', { c: code }, { token })).toMatchObject({ data: { enableTotp: true } });
      strict.clock.advance(30_000);
      const full = await strict.gql<Login>(LOGIN, { u: 'market', p: 'market-pass', t: await totpCode(secret, strict.clock.now().getTime()) });
      expect(full.data!.login).toMatchObject({ mustEnrollTotp: false });
      expect(await strict.gql('{ rectificationCases { total } }', {}, { token: full.data!.login.token })).not.toHaveProperty('errors');
      // A hotline operator is not in the TOTP roles: signs in fully.
      expect((await strict.gql<Login>(LOGIN, { u: 'auditor', p: 'auditor-pass' })).data!.login.mustEnrollTotp).toBe(false);
    } finally {
      await strict.close();
    }
  });
});

describe('user management by the security administrator (安全管理员)', () => {
  it('disabling an account ends its sessions at once and refuses sign-in like a wrong password', async () => {
    const { id, token } = await officer('wu.lei');
    expect(await server.gql(ME, {}, { token })).toMatchObject({ data: { me: { role: 'department' } } });
    const res = await server.gql('mutation ($id: Int!) { setUserDisabled(id: $id, disabled: true) { disabled } }', { id }, { token: security });
    expect(res).toMatchObject({ data: { setUserDisabled: { disabled: true } } });
    expect(codeOf(await server.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
    const refused = await login('wu.lei', 'Market#2026x');
    expect(codeOf(refused)).toBe('UNAUTHENTICATED');
    expect(refused.errors![0]!.message).toBe('the username or password is wrong');
    expect((await audit('user.disable'))[0]).toMatchObject({ subject: `user:${id}`, outcome: 'ok', ip: expect.stringContaining('127.0.0.1') });
    expect((await audit('user.disable'))[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("changing a person's scope ends their sessions (the token carried the old scope)", async () => {
    const { id, token } = await officer('sun.li');
    const res = await server.gql(
      'mutation ($id: Int!, $d: Int!) { updateUser(id: $id, input: { departmentId: $d }) { departmentId } }',
      { id, d: fx.departments.police.id },
      { token: security },
    );
    expect(res).toMatchObject({ data: { updateUser: { departmentId: fx.departments.police.id } } });
    expect(codeOf(await server.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
    const again = (await login('sun.li', 'Market#2026x')).data!.login.token;
    expect(await server.gql(ME, {}, { token: again })).toMatchObject({ data: { me: { departmentId: fx.departments.police.id } } });
  });

  it('a reset password must be changed at the next sign-in', async () => {
    const { id } = await officer('he.ping');
    expect(codeOf(await server.gql('mutation ($id: Int!) { resetUserPassword(id: $id, password: "abc") { id } }', { id }, { token: security }))).toBe(
      'WEAK_PASSWORD',
    );
    await server.gql('mutation ($id: Int!) { resetUserPassword(id: $id, password: "Reset#2026q") { id } }', { id }, { token: security });
    expect((await login('he.ping', 'Reset#2026q')).data!.login.mustChangePassword).toBe(true);
    expect(codeOf(await login('he.ping', 'Market#2026x'))).toBe('UNAUTHENTICATED');
  });

  it('keeps the three administrator roles apart: system admin, security admin, auditor', async () => {
    const admin = await sessionToken(server, 'admin', 'admin-pass');
    const input = { username: 'x.y', displayName: 'x', role: 'auditor', password: 'Lake-River-9' };
    expect(codeOf(await server.gql(CREATE, { i: input }, { token: admin }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(CREATE, { i: input }, { token: auditor }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql('{ apiKeys { id } }', {}, { token: admin }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql('{ users { id } }', {}, { token: admin }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(AUDIT, {}, { token: security }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(AUDIT, {}, { token: admin }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql('mutation { createApiKey(role: "system", name: "x", departmentId: 1) }', {}, { token: admin }))).toBe('FORBIDDEN');
    const users = await server.gql<{ users: Array<{ username: string }> }>('{ users { username role } }', {}, { token: security });
    expect(users.data!.users.map((u) => u.username)).toEqual(expect.arrayContaining(['admin', 'security', 'auditor', 'market']));
    // Nobody changes their own role.
    const self = (await server.gql<{ users: Array<{ id: number; username: string }> }>('{ users { id username } }', {}, { token: security })).data!.users.find(
      (u) => u.username === 'security',
    )!;
    expect(
      codeOf(await server.gql('mutation ($id: Int!) { updateUser(id: $id, input: { role: "admin" }) { id } }', { id: self.id }, { token: security })),
    ).toBe('FORBIDDEN');
  });
});

describe('API keys: list, revoke, rotate', () => {
  const REGISTER = '{ me { role departmentId } }';

  it('a revoked key stops at once; a rotated key hands over after its grace period', async () => {
    const make = await server.gql<{ createApiKey: string }>(
      'mutation ($d: Int) { createApiKey(role: "system", name: "待轮换系统", departmentId: $d) }',
      { d: fx.departments.social.id },
      { token: security },
    );
    const secret = make.data!.createApiKey;
    expect(await server.gql(REGISTER, {}, { apiKey: secret })).toMatchObject({ data: { me: { role: 'system' } } });
    const keys = (
      await server.gql<{ apiKeys: Array<{ id: number; name: string }> }>(
        'query ($d: Int) { apiKeys(departmentId: $d) { id name revoked } }',
        { d: fx.departments.social.id },
        { token: security },
      )
    ).data!.apiKeys;
    const id = keys.find((k) => k.name === '待轮换系统')!.id;

    const rotated = await server.gql<{ rotateApiKey: { secret: string; key: { id: number } } }>(
      'mutation ($id: Int!) { rotateApiKey(id: $id, graceMinutes: 60) { secret key { id expiresAt } } }',
      { id },
      { token: security },
    );
    const next = rotated.data!.rotateApiKey.secret;
    expect(await server.gql(REGISTER, {}, { apiKey: secret })).toMatchObject({ data: { me: { role: 'system' } } });
    expect(await server.gql(REGISTER, {}, { apiKey: next })).toMatchObject({ data: { me: { departmentId: fx.departments.social.id } } });
    server.clock.advance(61 * 60_000);
    expect(codeOf(await server.gql(REGISTER, {}, { apiKey: secret }))).toBe('UNAUTHENTICATED');

    await server.gql('mutation ($id: Int!) { revokeApiKey(id: $id) { revoked } }', { id: rotated.data!.rotateApiKey.key.id }, { token: security });
    expect(codeOf(await server.gql(REGISTER, {}, { apiKey: next }))).toBe('UNAUTHENTICATED');
    expect((await audit('api-key.revoke'))[0]).toMatchObject({ subject: `apikey:${rotated.data!.rotateApiKey.key.id}` });
    expect((await audit('api-key.rotate'))[0]).toMatchObject({ subject: `apikey:${id}` });
    expect((await audit('api-key.create'))[0]).toMatchObject({ outcome: 'ok' });
  });
});

describe('production mode refuses unsafe starts', () => {
  it('names development keys, demo data and default passwords', async () => {
    const em = server.app.orm.em.fork() as Em;
    expect(await productionProblems(server.app)).toEqual([]);
    await createUser(
      em,
      { username: 'supervisor', password: 'demo-supervisor', role: 'supervisor', displayName: 'x', regionCode: '341600000000' },
      0,
      server.app.config.passwordHashCost,
    );
    expect(await productionProblems(server.app)).toEqual([expect.stringContaining('supervisor still has its demo')]);
  });

  it('does not start with NODE_ENV=production and no keys', async () => {
    await expect(startTestServer({ production: true, piiKey: undefined, authSecret: undefined })).rejects.toThrow(/PII_KEY and AUTH_SECRET must be set/);
  });
});
