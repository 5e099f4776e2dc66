import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submitBatch } from '../../support/services.js';

// submitEvaluations as a department system empties its queue: many records in one call, written
// together by the group commit, each answered on its own in batch order; the batch's quality findings
// (R25) are kept together after it.
let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server.close());

const rateMany = (records: Record<string, unknown>[], apiKey = fx.keys.market) => submitBatch(server, records, apiKey);

const findingsOf = (projectNo: string) => countRows(server.app, 'quality_finding', "record_key like ? and source = 'rating'", [`${projectNo}#%`]);

describe('submitEvaluations batches (R8, R9, R10, R13, R25, R26)', () => {
  it('answers a mixed batch in order: stored, refused, resent by submissionId and externalId, a service twice (R9, R10, R25)', async () => {
    const services = await Promise.all(Array.from({ length: 6 }, () => newService(server, fx)));
    const early = await newService(server, fx, { proStatus: 2, resultDate: null } as never);
    const police = await newService(server, fx, { key: fx.keys.police, deptCode: fx.departments.police.creditCode, taskCode: fx.items.idCard.taskCode });
    const earlier = await rateMany([
      { ...services[0], level: 5, submissionId: 'batch-sub-1' },
      { ...services[1], level: 4, externalId: 'batch-ext-1' },
    ]);
    expect(earlier.map((r) => r.status)).toEqual(['CREATED', 'CREATED']);
    const total = await rollupTotal(server.app, 'T');
    const cases = await countRows(server.app, 'rect_case');
    const evaluations = await countRows(server.app, 'outbox', "topic = 'exchange.evaluation'");

    const results = await rateMany([
      { ...services[2], level: 5 },
      { ...services[0], level: 5, submissionId: 'batch-sub-1' },
      { projectNo: 'NO-SUCH-CASE-B', serviceNumber: 1, level: 5 },
      { ...services[3], level: 1, comment: '材料退回三次' },
      { ...services[1], level: 4, externalId: 'batch-ext-1' },
      { ...police, level: 5 },
      { ...services[4], level: 4 },
      // The same service again in the batch: after the first (batch order), another level is refused,
      { ...services[4], level: 3 },
      // and the very same rating again from this key is answered as already there.
      { ...services[4], level: 4 },
      { ...services[5], level: 7 },
      { ...early, level: 5 },
    ]);
    expect(results.map((r) => [r.index, r.status, r.code])).toEqual([
      [0, 'CREATED', null],
      [1, 'UNCHANGED', null],
      [2, 'REFUSED', 'NOT_FOUND'],
      [3, 'CREATED', null],
      [4, 'UNCHANGED', null],
      [5, 'REFUSED', 'FORBIDDEN'],
      [6, 'CREATED', null],
      [7, 'REFUSED', 'ALREADY_RATED'],
      [8, 'UNCHANGED', null],
      [9, 'REFUSED', 'BAD_USER_INPUT'],
      [10, 'CREATED', null],
    ]);
    expect(results[1]!.id).toBe(earlier[0]!.id);
    expect(results[4]!.id).toBe(earlier[1]!.id);
    expect(results[8]!.id).toBe(results[6]!.id);
    // Counted once each (R10), one provincial record each (R26), a case for the bad review (R13).
    expect(await rollupTotal(server.app, 'T')).toBe(total + 4);
    expect(await countRows(server.app, 'outbox', "topic = 'exchange.evaluation'")).toBe(evaluations + 4);
    expect(await countRows(server.app, 'rect_case')).toBe(cases + 1);
    // R25: each refusal of the system's batch is kept, and the rating of a service not completed yet.
    expect(await findingsOf('NO-SUCH-CASE-B')).toBe(1);
    expect(await findingsOf(police.projectNo)).toBe(1);
    expect(await findingsOf(early.projectNo)).toBe(1);
    expect(await findingsOf(services[2]!.projectNo)).toBe(0);
  });

  it('stores a large batch with one bad review in twenty exactly once, in batch order (R9, R10, R13)', async () => {
    const size = 240;
    const services = await Promise.all(Array.from({ length: size }, () => newService(server, fx)));
    const total = await rollupTotal(server.app, 'T');
    const cases = await countRows(server.app, 'rect_case');
    const records = services.map((s, i) => ({
      ...s,
      level: i % 20 === 0 ? 2 : 5 - (i % 3),
      comment: i % 20 === 0 ? '等候时间太长' : undefined,
      externalId: `big-${i}`,
      channel: 'IMPORT',
    }));
    const results = await rateMany(records);
    expect(results.map((r) => r.index)).toEqual(records.map((_, i) => i));
    expect(results.every((r) => r.status === 'CREATED')).toBe(true);
    expect(new Set(results.map((r) => r.id)).size).toBe(size);
    expect(await rollupTotal(server.app, 'T')).toBe(total + size);
    expect(await countRows(server.app, 'rect_case')).toBe(cases + size / 20);
    // Sent again (the system did not hear back): every record already there, nothing counted twice.
    const again = await rateMany(records);
    expect(again.every((r, i) => r.status === 'UNCHANGED' && r.id === results[i]!.id)).toBe(true);
    expect(await rollupTotal(server.app, 'T')).toBe(total + size);
    expect(await countRows(server.app, 'rect_case')).toBe(cases + size / 20);
  });
});
