import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, registerService, submit } from '../../support/services.js';
import { recordDueDefaults } from '../../../server/src/rating/defaults.service.js';
import { DAY_MS } from '../../../server/src/common/clock.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server.close());

async function totals(scopes: string[], bucket: 'H' | 'C' = 'H'): Promise<number[]> {
  return Promise.all(scopes.map((s) => rollupTotal(server.app, s, { bucket })));
}

function diff(after: number[], before: number[]): number[] {
  return after.map((n, i) => n - before[i]!);
}

describe('case kinds (R10)', () => {
  it('counts one batch rating once, covers every case of the batch, and leaves none to be defaulted', async () => {
    const batchNo = `PL-${Date.now()}`;
    const cases = [];
    for (let i = 0; i < 3; i++) cases.push(await newService(server, fx, { caseKind: 'BATCH', batchNo }));
    const scopes = ['T', `D:${fx.departments.market.id}`, 'R:419901000000'];
    const before = await totals(scopes);
    expect((await submit(server, { ...cases[0], level: 5 }, { apiKey: fx.keys.market })).errors).toBeUndefined();
    expect(diff(await totals(scopes), before)).toEqual([1, 1, 1]);
    expect(codeOf(await submit(server, { ...cases[2], level: 1, comment: '再评一次' }, { apiKey: fx.keys.market }))).toBe('ALREADY_RATED');
    expect(await countRows(server.app, 'service s join case_record c on c.id = s.case_id', 'c.batch_no = ? and s.rating_id is null', [batchNo])).toBe(0);
    server.clock.advance(8 * DAY_MS);
    try {
      await recordDueDefaults(server.app);
      expect(await countRows(server.app, 'rating r join case_record c on c.id = r.case_id', 'c.batch_no = ?', [batchNo])).toBe(1);
    } finally {
      server.clock.advance(-8 * DAY_MS);
    }
  });

  it('counts a joint case once in each participating department and once in every total above them', async () => {
    const service = await newService(server, fx, {
      caseKind: 'JOINT',
      units: [{ deptCode: fx.departments.social.creditCode, taskCode: fx.items.pension.taskCode }],
    });
    const scopes = ['T', 'R:419900000000', 'R:419901000000', 'R:419902000000', `D:${fx.departments.market.id}`, `D:${fx.departments.social.id}`];
    const before = await totals(scopes);
    await submit(server, { ...service, level: 4 }, { apiKey: fx.keys.market });
    expect(diff(await totals(scopes), before)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('counts a theme case ("一件事") once per item and once above', async () => {
    const service = await newService(server, fx, {
      caseKind: 'THEME',
      taskCode: fx.items.idCard.taskCode,
      deptCode: fx.departments.police.creditCode,
      key: fx.keys.police,
      units: [{ deptCode: fx.departments.exitEntry.creditCode, taskCode: fx.items.passport.taskCode }],
    });
    const scopes = ['T', `I:${fx.items.idCard.id}`, `I:${fx.items.passport.id}`, `D:${fx.departments.police.id}`, `D:${fx.departments.exitEntry.id}`];
    const before = await totals(scopes);
    await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.police });
    // The sub-unit's rating also counts for its parent department, once.
    expect(diff(await totals(scopes), before)).toEqual([1, 1, 1, 1, 1]);
  });

  it('keeps consultations in separate figures, not in the handled-case figures', async () => {
    const service = await newService(server, fx, { caseKind: 'CONSULTATION' });
    const handled = await totals(['T']);
    const consult = await totals(['T'], 'C');
    await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.market });
    expect(diff(await totals(['T']), handled)).toEqual([0]);
    expect(diff(await totals(['T'], 'C'), consult)).toEqual([1]);
  });

  it('rejects a case kind that does not exist and stores nothing', async () => {
    const res = await registerService(server, fx, { caseKind: 'WEIRD', projectNo: 'KIND-WEIRD' });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toContain('ORDINARY, BATCH, JOINT, THEME, CONSULTATION');
    expect(await countRows(server.app, 'case_record', 'project_no = ?', ['KIND-WEIRD'])).toBe(0);
  });

  it('requires a batch number for a batch case', async () => {
    const res = await registerService(server, fx, { caseKind: 'BATCH', projectNo: 'BATCH-NO-NUMBER' });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toContain('batchNo');
  });
});

describe('recordDueDefaults (R11)', () => {
  it('records 基本满意 for services unrated 7 natural days after completion, flagged as default, once', async () => {
    const start = server.clock.now();
    const unrated = await newService(server, fx);
    const rated = await newService(server, fx);
    await submit(server, { ...rated, level: 5 }, { apiKey: fx.keys.market });
    const defaultsBefore = await rollupTotal(server.app, 'T', { isDefault: true });
    server.clock.set(new Date(start.getTime() + 7 * DAY_MS - 60_000));
    try {
      expect(await recordDueDefaults(server.app)).toBe(0);
      server.clock.set(new Date(start.getTime() + 7 * DAY_MS + 1));
      expect(await recordDueDefaults(server.app)).toBeGreaterThanOrEqual(1);
      expect(await recordDueDefaults(server.app)).toBe(0);
      const rows = await server.app.orm.em
        .fork()
        .getConnection()
        .execute('select r.level, r.is_default, r.channel, r.rated_at from rating r join service s on s.id = r.service_id where s.project_no = ?', [
          unrated.projectNo,
        ]);
      expect(rows).toHaveLength(1);
      expect(Number(rows[0].level)).toBe(3);
      expect(Boolean(rows[0].is_default)).toBe(true);
      expect(rows[0].channel).toBe('DEFAULT');
      expect(Number(rows[0].rated_at)).toBe(start.getTime() + 7 * DAY_MS);
      expect(await countRows(server.app, 'rating r join service s on s.id = r.service_id', 's.project_no = ?', [rated.projectNo])).toBe(1);
      expect(await rollupTotal(server.app, 'T', { isDefault: true })).toBeGreaterThan(defaultsBefore);
      // After the default the service cannot be rated any more (R9 window, R11).
      expect(codeOf(await submit(server, { ...unrated, level: 5 }, { apiKey: fx.keys.market }))).toBe('RATING_WINDOW_CLOSED');
    } finally {
      server.clock.set(start);
    }
  });
});
