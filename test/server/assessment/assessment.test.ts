import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../../../server/src/auth/auth.service.js';
import { ManualClock } from '../../../server/src/common/clock.js';
import type { Em } from '../../../server/src/db/orm.js';
import { FraudSignalSchema } from '../../../server/src/integrity/integrity.entities.js';
import { CITY, DISTRICT_A, DISTRICT_B, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

const RANKING = operation('assessment-ranking');
const SCORES = `query ($filter: AssessmentFilter!, $period: String!) {
  assessmentScores(filter: $filter, period: $period) { unitKey name total score fairScore rank }
}`;
const SUPERVISION = operation('supervision-list');
const REVIEW = operation('review-supervision-entry');
const SET = `mutation ($regionCode: String!, $key: String!, $value: String) { setAssessmentSetting(regionCode: $regionCode, key: $key, value: $value) }`;

interface Row {
  unitKey: string;
  name: string;
  total: number;
  score: number | null;
  fairScore: number | null;
  rank: number | null;
  ranked: boolean;
  note: string | null;
  overdue: number;
}
interface RankingData {
  rankings: { groupKey: string; groupLabel: string; period: string; frozenAt: string | null; minSample: number; tieBreakOrder: string; rows: Row[] };
}

let server: TestServer;
let fx: Fixture;
let tokens: { police: string; market: string; supervisor: string; admin: string };

/** 2026-10-15 10:00 Shanghai. */
const OCT = new Date('2026-10-15T02:00:00Z');
const NOV = new Date('2026-11-20T02:00:00Z');
const DEC = new Date('2026-12-02T02:00:00Z');

beforeEach(async () => {
  server = await startTestServer({ sessionTtlHours: 24 * 365 }, new ManualClock(OCT));
  fx = await makeFixture(server);
  const em = server.app.orm.em.fork() as Em;
  await createUser(
    em,
    { username: 'dsuper', password: 'dsuper-pass', role: 'supervisor', displayName: '西城区政务服务管理局', regionCode: DISTRICT_B },
    OCT.getTime(),
    server.app.config.passwordHashCost,
  );
  tokens = {
    police: await sessionToken(server, 'police', 'police-pass'),
    market: await sessionToken(server, 'market', 'market-pass'),
    supervisor: await sessionToken(server, 'super', 'super-pass'),
    admin: await sessionToken(server, 'admin', 'admin-pass'),
  };
  // Small samples in tests: rank from one rating.
  expect((await server.gql(SET, { regionCode: CITY, key: 'rank.minSample', value: '1' }, { token: tokens.supervisor })).errors).toBeUndefined();
});
afterEach(async () => {
  await server.close();
});

/** One rating of a new service: market services are served by staff 王晓明 at window A01 (东城区), social ones in 西城区. */
async function rate(dept: 'market' | 'social', level: number): Promise<void> {
  const spec =
    dept === 'market'
      ? { windowId: fx.window.id, staffNo: fx.staff.workNo }
      : { key: fx.keys.social, deptCode: fx.departments.social.creditCode, taskCode: fx.items.pension.taskCode };
  const service = await newService(server, fx, spec);
  const res = await submit(
    server,
    { ...service, level, ...(level <= 2 ? { tags: [level === 1 ? '115' : '214'], comment: '窗口人员态度差' } : {}) },
    { apiKey: dept === 'market' ? fx.keys.market : fx.keys.social },
  );
  expect(res.errors).toBeUndefined();
}

async function ranking(group: Record<string, unknown>, period: string, token: string) {
  const res = await server.gql<RankingData>(RANKING, { group, period }, { token });
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.rankings;
}

describe('assessment scores and rankings (R22)', () => {
  it('scores the districts on the four dimensions and ranks them by the lower bound, ties and samples explained', async () => {
    server.clock.set(NOV);
    await rate('market', 5);
    await rate('market', 5);
    await rate('market', 1);
    for (let i = 0; i < 4; i++) await rate('social', 5);
    const r = await ranking({ kind: 'REGIONS', regionCode: CITY }, '2026-11', tokens.supervisor);
    expect(r.groupLabel).toBe('各区县');
    expect(r.frozenAt).toBeNull();
    expect(r.minSample).toBe(1);
    expect(r.tieBreakOrder).toMatch(/Wilson/);
    const a = r.rows.find((x) => x.unitKey === `R:${DISTRICT_A}`)!;
    const b = r.rows.find((x) => x.unitKey === `R:${DISTRICT_B}`)!;
    // 东城区: quality 2/3, active 3/3, no rectification settled or callback yet: (40·2/3 + 20·1) / 60.
    expect(a.total).toBe(3);
    expect(a.score).toBeCloseTo(((40 * 2) / 3 + 20) / 0.6, 6);
    expect(b.score).toBe(100);
    expect(b.total).toBe(4);
    expect(r.rows.map((x) => [x.unitKey, x.rank])).toEqual([
      [`R:${DISTRICT_B}`, 1],
      [`R:${DISTRICT_A}`, 2],
    ]);
    // The lower bounds: 4/4 → 0.5101 on quality and activity.
    expect(b.fairScore).toBeCloseTo(51.01, 1);
  });

  it('freezes a closed period: later ratings and setting changes leave its scores unchanged (R22 as-of)', async () => {
    server.clock.set(NOV);
    await rate('market', 5);
    await rate('market', 2);
    await rate('social', 4);
    server.clock.set(DEC);
    const closed = await ranking({ kind: 'REGIONS', regionCode: CITY }, '2026-11', tokens.supervisor);
    expect(closed.frozenAt).not.toBeNull();
    // Data after the period's end: a new bad review and changed weights and minimum sample.
    await rate('social', 1);
    await rate('market', 5);
    expect((await server.gql(SET, { regionCode: CITY, key: 'weight.active', value: '0' }, { token: tokens.supervisor })).errors).toBeUndefined();
    const again = await ranking({ kind: 'REGIONS', regionCode: CITY }, '2026-11', tokens.admin);
    expect(again).toEqual(closed);
    // December counts the new ratings, under the new settings.
    const december = await ranking({ kind: 'REGIONS', regionCode: CITY }, '2026-12', tokens.supervisor);
    expect(december.rows.find((x) => x.unitKey === `R:${DISTRICT_B}`)!.total).toBe(1);
    expect(december.frozenAt).toBeNull();
  });

  it('shows a department officer its own staff only; another department’s staff scores are refused (R12, R22)', async () => {
    server.clock.set(NOV);
    await rate('market', 5);
    const own = await ranking({ kind: 'HALL_STAFF', hallId: fx.hall.id }, '2026-11', tokens.market);
    expect(own.rows.map((x) => [x.name, x.total])).toEqual([['王晓明', 1]]);
    const other = await ranking({ kind: 'HALL_STAFF', hallId: fx.hall.id }, '2026-11', tokens.police);
    expect(other.rows).toEqual([]);
    const refused = await server.gql(
      SCORES,
      { filter: { group: { kind: 'HALL_STAFF', hallId: fx.hall.id }, unitKey: `S:${fx.staff.id}` }, period: '2026-11' },
      { token: tokens.police },
    );
    expect(codeOf(refused)).toBe('FORBIDDEN');
    const allowed = await server.gql<{ assessmentScores: Row[] }>(
      SCORES,
      { filter: { group: { kind: 'HALL_STAFF', hallId: fx.hall.id }, unitKey: `S:${fx.staff.id}` }, period: '2026-11' },
      { token: tokens.market },
    );
    expect(allowed.data?.assessmentScores.map((x) => x.name)).toEqual(['王晓明']);
    // A district supervisor does not read the city's groups; anonymous callers read nothing.
    const dsuper = await sessionToken(server, 'dsuper', 'dsuper-pass');
    expect(codeOf(await server.gql(RANKING, { group: { kind: 'REGIONS', regionCode: CITY }, period: '2026-11' }, { token: dsuper }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(RANKING, { group: { kind: 'REGIONS', regionCode: CITY }, period: '2026-11' }))).toMatch(/FORBIDDEN|UNAUTHENTICATED/);
    expect(codeOf(await server.gql(RANKING, { group: { kind: 'REGIONS', regionCode: CITY }, period: '2026-13' }, { token: tokens.admin }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('key-supervision list (R23)', () => {
  it('lists a unit at the bottom two periods running and one with overdue rectifications; a supervisor confirms with a note (audited)', async () => {
    // October: 东城区 has a bad review (its case is never rectified), 西城区 only good ones.
    await rate('market', 1);
    await rate('market', 5);
    await rate('social', 5);
    server.clock.set(NOV);
    await rate('market', 5);
    await rate('market', 2);
    await rate('social', 5);
    server.clock.set(DEC);
    const list = await server.gql<{
      supervisionList: Array<{ id: number; groupKey: string; unitKey: string; unitName: string; reasons: string[]; decision: string | null }>;
    }>(SUPERVISION, { region: CITY, period: '2026-11' }, { token: tokens.supervisor });
    if (!list.data) throw new Error(JSON.stringify(list.errors));
    const district = list.data.supervisionList.find((e) => e.unitKey === `R:${DISTRICT_A}`)!;
    expect(district.unitName).toBe('东城区');
    expect(district.reasons).toEqual([
      expect.stringMatching(/^连续 2 期（2026-10、2026-11）位列各区县末位（本期第 2 名/),
      // October's case is past its deadline; November's (due 5 December) is not yet.
      '期末有 1 件差评整改超期未完成',
    ]);
    expect(list.data.supervisionList.some((e) => e.unitKey === `R:${DISTRICT_B}`)).toBe(false);
    // The staff member who served both bad reviews is listed for the overdue rectifications.
    const staff = list.data.supervisionList.find((e) => e.unitKey === `S:${fx.staff.id}`)!;
    expect(staff.reasons).toEqual(['期末有 1 件差评整改超期未完成']);

    // A department officer sees only the entries about its own people; it cannot decide.
    const marketView = await server.gql<{ supervisionList: Array<{ unitKey: string }> }>(
      SUPERVISION,
      { region: CITY, period: '2026-11' },
      { token: tokens.market },
    );
    expect(marketView.data?.supervisionList.map((e) => e.unitKey)).toEqual([`S:${fx.staff.id}`]);
    const policeView = await server.gql<{ supervisionList: Array<{ unitKey: string }> }>(
      SUPERVISION,
      { region: CITY, period: '2026-11' },
      { token: tokens.police },
    );
    expect(policeView.data?.supervisionList).toEqual([]);
    expect(codeOf(await server.gql(REVIEW, { id: district.id, decision: 'CONFIRMED', note: '约谈' }, { token: tokens.market }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(REVIEW, { id: district.id, decision: 'CONFIRMED', note: '  ' }, { token: tokens.supervisor }))).toBe('BAD_USER_INPUT');
    const dsuper = await sessionToken(server, 'dsuper', 'dsuper-pass');
    expect(codeOf(await server.gql(REVIEW, { id: district.id, decision: 'DISMISSED', note: '不同意' }, { token: dsuper }))).toBe('FORBIDDEN');

    const confirmed = await server.gql<{ reviewSupervisionEntry: { decision: string; note: string; decidedBy: string } }>(
      REVIEW,
      { id: district.id, decision: 'CONFIRMED', note: '列入重点督办，约谈区政务服务中心负责人' },
      { token: tokens.supervisor },
    );
    expect(confirmed.data?.reviewSupervisionEntry).toMatchObject({ decision: 'CONFIRMED', note: '列入重点督办，约谈区政务服务中心负责人' });
    const dismissed = await server.gql<{ reviewSupervisionEntry: { decision: string } }>(
      REVIEW,
      { id: staff.id, decision: 'DISMISSED', note: '超期系系统故障所致，已核实' },
      { token: tokens.supervisor },
    );
    expect(dismissed.data?.reviewSupervisionEntry.decision).toBe('DISMISSED');
    const after = await server.gql<{ supervisionList: Array<{ id: number; decision: string | null }> }>(
      SUPERVISION,
      { region: CITY, period: '2026-11' },
      { token: tokens.supervisor },
    );
    expect(after.data?.supervisionList.find((e) => e.id === district.id)?.decision).toBe('CONFIRMED');
    expect(after.data?.supervisionList.find((e) => e.id === staff.id)?.decision).toBe('DISMISSED');

    const em = server.app.orm.em.fork() as Em;
    const audit = await em.execute<Array<{ subject: string; detail: string; role: string }>>(
      "select subject, detail, role from audit_log where action = 'supervision.review' order by id",
    );
    expect(audit).toEqual([
      { subject: `supervision:${district.id}`, detail: `CONFIRMED R:${DISTRICT_A} 2026-11: 列入重点督办，约谈区政务服务中心负责人`, role: 'supervisor' },
      { subject: `supervision:${staff.id}`, detail: `DISMISSED S:${fx.staff.id} 2026-11: 超期系系统故障所致，已核实`, role: 'supervisor' },
    ]);
  });

  it('needs the configured number of consecutive periods (R23)', async () => {
    expect(
      (await server.gql(SET, { regionCode: CITY, key: 'supervision.consecutivePeriods', value: '3' }, { token: tokens.supervisor })).errors,
    ).toBeUndefined();
    expect((await server.gql(SET, { regionCode: CITY, key: 'supervision.overdueMin', value: '99' }, { token: tokens.supervisor })).errors).toBeUndefined();
    await rate('market', 1);
    await rate('social', 5);
    server.clock.set(NOV);
    await rate('market', 1);
    await rate('social', 5);
    server.clock.set(DEC);
    const list = await server.gql<{ supervisionList: unknown[] }>(SUPERVISION, { region: CITY, period: '2026-11' }, { token: tokens.supervisor });
    expect(list.data?.supervisionList).toEqual([]);
  });
  it('lists the units and the staff member an upheld fraud signal is about, with its reason; a dismissed one lists nobody (R18, R23)', async () => {
    server.clock.set(NOV);
    const em = server.app.orm.em.fork() as Em;
    const signal = (fingerprint: string) =>
      em.create(FraudSignalSchema, {
        kind: 'SELF_RATING',
        fingerprint,
        regionCode: DISTRICT_A,
        departmentId: fx.departments.market.id,
        departmentPath: fx.departments.market.path,
        explanation: '3条好评由群众评价码提交，但提交地址与经办人员所在窗口评价设备的地址相同，疑似工作人员代评或自评。',
        detail: JSON.stringify({ staffId: fx.staff.id, windowId: fx.window.id, count: 3 }),
        ratingIds: '',
        ratingCount: 0,
        firstAt: NOV.getTime() - 3_600_000,
        lastAt: NOV.getTime(),
        state: 'OPEN',
        reviewedBy: null,
        reviewedAt: null,
        reviewNote: null,
        invalidatedCount: null,
        createdAt: NOV.getTime(),
      });
    const upheld = signal('test:upheld');
    const dismissed = signal('test:dismissed');
    await em.flush();
    const REVIEW_SIGNAL = `mutation ($id: Int!, $d: FraudReviewDecision!, $n: String!) { reviewFraudSignal(id: $id, decision: $d, note: $n) { id state } }`;
    const review = async (id: number, d: string) => {
      const res = await server.gql<{ reviewFraudSignal: { state: string } }>(REVIEW_SIGNAL, { id, d, n: '经核查属实' }, { token: tokens.supervisor });
      expect(res.errors).toBeUndefined();
    };
    await review(dismissed.id, 'DISMISS');
    const before = await server.gql<{ supervisionList: unknown[] }>(SUPERVISION, { region: CITY, period: '2026-11' }, { token: tokens.supervisor });
    expect(before.data?.supervisionList).toEqual([]);

    await review(upheld.id, 'UPHOLD');
    server.clock.set(DEC);
    type Entry = { unitKey: string; unitName: string; reasons: string[] };
    const reason = `刷评线索经核实认定（工作人员自评，线索 #${upheld.id}，2026-11-20 认定）`;
    const city = await server.gql<{ supervisionList: Entry[] }>(SUPERVISION, { region: CITY, period: '2026-11' }, { token: tokens.supervisor });
    expect(city.data?.supervisionList.map((e) => [e.unitKey, e.reasons])).toEqual([
      [`R:${DISTRICT_A}`, [reason]],
      [`S:${fx.staff.id}`, [reason]],
    ]);
    const district = await server.gql<{ supervisionList: Entry[] }>(SUPERVISION, { region: DISTRICT_A, period: '2026-11' }, { token: tokens.supervisor });
    expect(district.data?.supervisionList.map((e) => [e.unitName, e.reasons])).toEqual([
      ['东城区市场监督管理局', [reason]],
      [fx.staff.name, [reason]],
    ]);
    // Not a month the signal concerns.
    const october = await server.gql<{ supervisionList: Entry[] }>(SUPERVISION, { region: CITY, period: '2026-10' }, { token: tokens.supervisor });
    expect(october.data?.supervisionList).toEqual([]);
  });

  it('lists a department and its staff member with a rectification overdue at the period’s end, with the reason (R16, R23)', async () => {
    await rate('market', 1);
    server.clock.set(DEC);
    const list = await server.gql<{ supervisionList: Array<{ unitKey: string; reasons: string[] }> }>(
      SUPERVISION,
      { region: DISTRICT_A, period: '2026-11' },
      { token: tokens.supervisor },
    );
    expect(list.data?.supervisionList.map((e) => [e.unitKey, e.reasons])).toEqual([
      [`D:${fx.departments.market.id}`, ['期末有 1 件差评整改超期未完成']],
      [`S:${fx.staff.id}`, ['期末有 1 件差评整改超期未完成']],
    ]);
  });
});
