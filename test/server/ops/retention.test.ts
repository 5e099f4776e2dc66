import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../server/src/common/clock.js';
import type { Em } from '../../../server/src/db/orm.js';
import { retentionAudited } from '../../../server/src/auth/maintenance.service.js';
import { anonymiseExpired } from '../../../server/src/db/retention.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server.close());

interface Row {
  project_no: string;
  rater_name_sealed: string | null;
  rater_name_masked: string | null;
  rater_mobile_sealed: string | null;
  rater_mobile_hash: string | null;
  comment: string | null;
  comment_sealed: string | null;
  applicant_name_sealed: string;
  applicant_mobile_sealed: string | null;
  applicant_mobile_hash: string | null;
  applicant_cert_sealed: string | null;
}

async function rows(): Promise<Map<string, Row>> {
  const list = await (server.app.orm.em.fork() as Em).execute<Row[]>(
    `select c.project_no, r.rater_name_sealed, r.rater_name_masked, r.rater_mobile_sealed, r.rater_mobile_hash, r.comment, r.comment_sealed,
            c.applicant_name_sealed, c.applicant_mobile_sealed, c.applicant_mobile_hash, c.applicant_cert_sealed
       from rating r join case_record c on c.id = r.case_id`,
  );
  return new Map(list.map((r) => [r.project_no, r]));
}

describe('retention job', () => {
  it('erases sealed rater and applicant data older than RETENTION_DAYS, keeps masked forms, figures and newer data (R12)', async () => {
    const rate = async () => {
      const service = await newService(server, fx);
      const res = await submit(server, { ...service, level: 1, comment: '态度差，请回电13900001111' }, { apiKey: fx.keys.market });
      expect(res.errors).toBeUndefined();
      return service.projectNo;
    };
    const old = await rate();
    server.clock.advance(731 * DAY_MS);
    const recent = await rate();
    const total = await rollupTotal(server.app, 'T');
    const ratings = await countRows(server.app, 'rating');
    const before = await rows();
    expect(before.get(old)!.comment_sealed).not.toBeNull();
    expect(before.get(old)!.applicant_mobile_hash).not.toBeNull();

    // The path the daily job and `npm run job:retention` take: the run is audited with its counts (issue 10).
    const report = await retentionAudited(server.app, server.clock.now(), server.app.config.retentionDays, { batch: 1 });
    expect(server.app.config.retentionDays).toBe(730);
    expect(report).toMatchObject({ ratings: 1, cases: 1 });
    const audit = await (server.app.orm.em.fork() as Em).execute<Array<Record<string, string>>>(
      "select actor, role, subject, outcome, detail from audit_log where action = 'retention.run'",
    );
    expect(audit).toEqual([
      {
        actor: 'job:retention',
        role: 'system',
        subject: 'retention:730d',
        outcome: 'ok',
        detail: `before ${report.cutoff.toISOString()}: ratings 1, cases 1 anonymised`,
      },
    ]);

    const after = await rows();
    expect(after.get(old)).toMatchObject({
      rater_name_sealed: null,
      rater_mobile_sealed: null,
      rater_mobile_hash: null,
      comment_sealed: null,
      applicant_name_sealed: '',
      applicant_mobile_sealed: null,
      applicant_mobile_hash: null,
      applicant_cert_sealed: null,
      rater_name_masked: before.get(old)!.rater_name_masked,
      comment: before.get(old)!.comment,
    });
    expect(after.get(old)!.comment).not.toContain('13900001111');
    expect(after.get(recent)).toEqual(before.get(recent));
    expect(await rollupTotal(server.app, 'T')).toBe(total);
    expect(await countRows(server.app, 'rating')).toBe(ratings);

    // Twice changes nothing more.
    expect(await anonymiseExpired(server.app.orm.em.fork() as Em, server.clock.now(), 730)).toMatchObject({ ratings: 0, cases: 0 });
  });
});
