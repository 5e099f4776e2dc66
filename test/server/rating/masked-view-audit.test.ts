import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Em } from '../../../server/src/db/orm.js';
import { makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

/**
 * Issue 10, item 3 (安全审计): every view of masked personal data is audited, one record per request.
 * The rater's masked name and mobile reach supervisors and administrators through `rating(id)` and
 * `rectificationCase(id)` (and the case a step mutation answers with); the rated department sees no
 * rater, so its views write nothing.
 */
const RATING = 'query ($id: Int!) { rating(id: $id) { id raterName raterMobile } }';
const CASE = 'query ($id: Int!) { rectificationCase(id: $id) { id rating { id raterName raterMobile } } }';
const CASES = '{ rectificationCases { total items { id } } }';
const AUDIT = 'query ($action: String) { auditLog(action: $action) { actor role action subject outcome detail } }';
type Record_ = { actor: string; role: string; action: string; subject: string; outcome: string; detail: string | null };

let server: TestServer;
let fx: Fixture;
let auditor: string;
let ratingId: number;
let caseId: number;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
  auditor = await sessionToken(server, 'auditor', 'auditor-pass');
  const service = await newService(server, fx, { userName: '张小三', mobile: '13812341234' });
  const res = await submit(server, { ...service, level: 1, comment: '办理太慢' }, { apiKey: fx.keys.market });
  expect(res.errors).toBeUndefined();
  ratingId = res.data!.submitEvaluation.id;
  const rows = await (server.app.orm.em.fork() as Em).execute<Array<{ id: number | string }>>('select id from rect_case where rating_id = ?', [ratingId]);
  caseId = Number(rows[0]!.id);
});
afterAll(() => server.close());

const records = async () => (await server.gql<{ auditLog: Record_[] }>(AUDIT, { action: 'rater-masked.view' }, { token: auditor })).data!.auditLog;

describe('audit of masked personal data views (安全审计, R12)', () => {
  it('records a supervisor reading a rating with the masked rater, once per request (R12)', async () => {
    const before = (await records()).length;
    const supervisor = await sessionToken(server, 'super', 'super-pass');
    const res = await server.gql<{ rating: { raterName: string | null; raterMobile: string | null } }>(RATING, { id: ratingId }, { token: supervisor });
    expect(res.data!.rating).toMatchObject({ raterName: '张*三', raterMobile: '138****1234' });
    const after = await records();
    expect(after.length).toBe(before + 1);
    expect(after.find((r) => r.subject === `rating:${ratingId}`)).toMatchObject({
      role: 'supervisor',
      outcome: 'ok',
      detail: expect.stringContaining(String(ratingId)),
    });
  });

  it('records an administrator opening the rectification case that shows the masked rater (R12)', async () => {
    const before = (await records()).length;
    const admin = await sessionToken(server, 'admin', 'admin-pass');
    const res = await server.gql<{ rectificationCase: { rating: { raterName: string | null } } }>(CASE, { id: caseId }, { token: admin });
    expect(res.data!.rectificationCase.rating.raterName).toBe('张*三');
    const after = await records();
    expect(after.length).toBe(before + 1);
    expect(after.find((r) => r.subject === `rect_case:${caseId}`)).toMatchObject({ role: 'admin', outcome: 'ok' });
  });

  it('writes nothing when no masked data is shown: the rated department, and the case list (R12)', async () => {
    const before = (await records()).length;
    const market = await sessionToken(server, 'market', 'market-pass');
    const rating = await server.gql<{ rating: { raterName: string | null } }>(RATING, { id: ratingId }, { token: market });
    expect(rating.data!.rating.raterName).toBeNull();
    const kase = await server.gql<{ rectificationCase: { rating: { raterName: string | null } } }>(CASE, { id: caseId }, { token: market });
    expect(kase.data!.rectificationCase.rating.raterName).toBeNull();
    const supervisor = await sessionToken(server, 'super', 'super-pass');
    const list = await server.gql<{ rectificationCases: { total: number } }>(CASES, {}, { token: supervisor });
    expect(list.data!.rectificationCases.total).toBeGreaterThan(0);
    expect((await records()).length).toBe(before);
  });
});
