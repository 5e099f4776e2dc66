import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../server/src/auth/audit.service.js';
import { auditHash, GENESIS_HASH, verifyChain, type ChainRow } from '../../../server/src/auth/audit.logic.js';
import type { Em } from '../../../server/src/db/orm.js';
import { makeFixture, sessionToken } from '../../support/fixture.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';

const LOGIN = 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }';
const AUDIT = 'query ($action: String) { auditLog(action: $action) { id at actor role ip action subject outcome detail hash } }';
type Record_ = { id: number; at: string; actor: string; role: string; ip: string | null; action: string; subject: string; outcome: string; hash: string };

let server: TestServer;
let auditor: string;

beforeAll(async () => {
  server = await startTestServer();
  await makeFixture(server);
  auditor = await sessionToken(server, 'auditor', 'auditor-pass');
});
afterAll(() => server.close());

const records = async (action: string) => (await server.gql<{ auditLog: Record_[] }>(AUDIT, { action }, { token: auditor })).data!.auditLog;

describe('audit trail (安全审计)', () => {
  it('records sign-in failures and successes with time (+08:00), actor, role, address and outcome', async () => {
    await server.gql(LOGIN, { u: 'market', p: 'wrong' });
    await sessionToken(server, 'market', 'market-pass');
    const [failure] = await records('sign-in.failure');
    expect(failure).toMatchObject({
      actor: 'sign-in:market',
      role: 'public',
      subject: 'user:market',
      outcome: 'refused',
      ip: expect.stringContaining('127.0.0.1'),
    });
    expect(failure!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    const [success] = await records('sign-in.success');
    expect(success).toMatchObject({ role: 'department', outcome: 'ok' });
    expect(success!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is readable by the auditor only', async () => {
    const admin = await sessionToken(server, 'admin', 'admin-pass');
    expect(codeOf(await server.gql(AUDIT, {}, { token: admin }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(AUDIT, {}))).not.toBeUndefined();
  });

  it('refuses updates and deletes in the database itself (append-only)', async () => {
    const em = server.app.orm.em.fork() as Em;
    await expect(em.execute("update audit_log set detail = 'edited'")).rejects.toThrow(/append-only/);
    await expect(em.execute('delete from audit_log')).rejects.toThrow(/append-only/);
  });

  it('finds a record edited behind the application’s back (npm run audit:verify)', async () => {
    expect((await verifyAuditChain(server.app)).broken).toBeNull();
    const em = server.app.orm.em.fork() as Em;
    const [victim] = await records('sign-in.failure');
    // An attacker with access to the database switches the guard off and edits a record.
    if (server.app.dialect === 'postgresql') {
      await em.execute('alter table audit_log disable trigger audit_log_no_change');
      await em.execute("update audit_log set outcome = 'ok' where id = ?", [victim!.id]);
      await em.execute('alter table audit_log enable trigger audit_log_no_change');
    } else {
      await em.execute('drop trigger audit_log_no_update');
      await em.execute("update audit_log set outcome = 'ok' where id = ?", [victim!.id]);
    }
    const report = await verifyAuditChain(server.app);
    expect(report.broken?.id).toBe(victim!.id);
    expect(report.broken?.reason).toContain('changed');
  });
});

describe('verifyChain', () => {
  const chain = (n: number): ChainRow[] => {
    const rows: ChainRow[] = [];
    let prev = GENESIS_HASH;
    for (let id = 1; id <= n; id++) {
      const f = { at: id, actor: 'user:1', role: 'admin', ip: null, action: 'x', subject: `s${id}`, outcome: 'ok', detail: null, requestId: null };
      const hash = auditHash(prev, f);
      rows.push({ id, ...f, prevHash: prev, hash });
      prev = hash;
    }
    return rows;
  };

  it('holds for an intact chain and finds a removed record, in the middle or at the end', () => {
    const rows = chain(5);
    const head = { lastId: 5, lastHash: rows[4]!.hash };
    expect(verifyChain(rows, head).broken).toBeNull();
    expect(verifyChain([rows[0]!, rows[1]!, rows[3]!, rows[4]!], head).broken?.id).toBe(4);
    expect(verifyChain(rows.slice(0, 4), head).broken?.reason).toContain('removed');
  });
});
