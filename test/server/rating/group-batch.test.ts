import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Em } from '../../../server/src/db/orm.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, ratingToken, submit, submitBatch } from '../../support/services.js';

// The group commit writes the first ratings that arrive together as one batch (one select, one
// multi-row insert, one outbox insert); every rating must still get the answer it gets alone.
let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server.close());

const rateMany = (records: Record<string, unknown>[], apiKey = fx.keys.market) => submitBatch(server, records, apiKey);

const evaluationRecords = (ids: number[]) =>
  countRows(server.app, 'outbox', `topic = 'exchange.evaluation' and record_key in (${ids.map(() => '?').join(', ')})`, [...ids.map((id) => `eval:${id}`)]);
describe('ratings written together by the group commit (R8, R9, R10, R13)', () => {
  it('answers each rating of a batch on its own: stored, refused or resent, counted once, one provincial record each', async () => {
    const good = await Promise.all(Array.from({ length: 6 }, () => newService(server, fx)));
    const police = await newService(server, fx, { key: fx.keys.police, deptCode: fx.departments.police.creditCode, taskCode: fx.items.idCard.taskCode });
    const resendOf = await newService(server, fx);
    const stored = await rateMany([{ ...resendOf, level: 4, externalId: 'ext-earlier' }]);
    expect(stored[0]).toMatchObject({ status: 'CREATED' });
    const total = await rollupTotal(server.app, 'T');
    const cases = await countRows(server.app, 'rect_case');
    const batched = server.app.groupCommit.stats.batchedJobs;
    const fallbacks = server.app.groupCommit.stats.batchFallbacks;

    const results = await rateMany([
      { ...good[0], level: 5 },
      { ...good[1], level: 4, channel: 'HOTLINE' },
      { ...good[2], level: 3, comment: '还行' },
      { ...good[3], level: 1, tags: ['115'], comment: '材料退回三次' },
      { projectNo: 'NO-SUCH-CASE', serviceNumber: 1, level: 5 },
      { ...police, level: 5 },
      { ...good[4], level: 9 },
      { ...resendOf, level: 4, externalId: 'ext-earlier' },
      { ...good[5], level: 5, externalId: 'ext-twice' },
      { ...good[4], level: 2, externalId: 'ext-twice' },
    ]);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['CREATED', null],
      ['CREATED', null],
      ['CREATED', null],
      ['CREATED', null],
      ['REFUSED', 'NOT_FOUND'],
      ['REFUSED', 'FORBIDDEN'],
      ['REFUSED', 'BAD_USER_INPUT'],
      ['UNCHANGED', null],
      ['CREATED', null],
      // The same externalId for another service of the batch: the first one's, so this is another answer.
      ['REFUSED', 'CONFLICT'],
    ]);
    expect(results[7]!.id).toBe(stored[0]!.id);
    const created = results.filter((r) => r.status === 'CREATED').map((r) => r.id!);
    expect(new Set(created).size).toBe(5);
    // Counted once each (R10), one provincial evaluation record each (R26), a case for the bad one (R13).
    expect(await rollupTotal(server.app, 'T')).toBe(total + 5);
    expect(await evaluationRecords(created)).toBe(5);
    expect(await countRows(server.app, 'rect_case')).toBe(cases + 1);
    for (const [i, service] of [good[0], good[1], good[2], good[3], good[5]].entries()) {
      expect(await countRows(server.app, 'service', 'project_no = ? and rating_id = ?', [service!.projectNo, created[i]])).toBe(1);
    }
    expect(server.app.groupCommit.stats.batchedJobs - batched).toBeGreaterThanOrEqual(1);
    expect(server.app.groupCommit.stats.batchFallbacks - fallbacks).toBe(0);
  });

  it('runs a group again rating by rating when its batch insert fails: the others stored, the one refused (R9)', async () => {
    const services = await Promise.all(Array.from({ length: 4 }, () => newService(server, fx)));
    const first = await rateMany([{ ...services[0], level: 5 }]);
    // The service's claim is lost (as if stored by a path that did not claim it): only the insert can tell.
    await (server.app.orm.em.fork() as Em).execute('update service set rating_id = null where project_no = ?', [services[0]!.projectNo]);
    const total = await rollupTotal(server.app, 'T');
    const fallbacks = server.app.groupCommit.stats.batchFallbacks;

    const results = await rateMany(services.map((s, i) => ({ ...s, level: [4, 5, 4, 3][i] })));
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['REFUSED', 'ALREADY_RATED'],
      ['CREATED', null],
      ['CREATED', null],
      ['CREATED', null],
    ]);
    expect(server.app.groupCommit.stats.batchFallbacks - fallbacks).toBeGreaterThanOrEqual(1);
    expect(await rollupTotal(server.app, 'T')).toBe(total + 3);
    expect(await evaluationRecords(results.slice(1).map((r) => r.id!))).toBe(3);
    expect(await countRows(server.app, 'rating r join service s on s.id = r.service_id', 's.project_no = ?', [services[0]!.projectNo])).toBe(1);
    expect(first[0]!.status).toBe('CREATED');
  });

  it('stores one rating per receipt token when the same token is sent twice at once (R7, R9)', async () => {
    const service = await newService(server, fx);
    const token = await ratingToken(server, fx, service);
    const total = await rollupTotal(server.app, 'T');
    const answers = await Promise.all([submit(server, { token, level: 5 }), submit(server, { token, level: 4 })]);
    const codes = answers.map((a) => a.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['ALREADY_RATED', 'OK']);
    expect(await rollupTotal(server.app, 'T')).toBe(total + 1);
  });
});
