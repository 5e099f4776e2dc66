import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Em } from '../../../server/src/db/orm.js';
import { DAY_MS } from '../../../server/src/common/clock.js';
import { MESSAGE_TOPICS } from '../../../server/src/notify/notify.service.js';
import { assignDemoProfiles, DEMO_RECT_PROFILE, planDemoCase, type DemoRatingRef } from '../../../seeds/demo-history.js';
import { contributionOf, figuresFrom, type Contribution } from '../../../server/src/rectification/figures.logic.js';
import { RectCaseSchema, type RectCase } from '../../../server/src/rectification/rectification.entities.js';
import { applyAction, openCase, type RectCaseState } from '../../../server/src/rectification/rectification.logic.js';
import { workCalendar } from '../../../server/src/rectification/calendar.logic.js';
import { resolveRules } from '../../../server/src/rectification/settings.logic.js';
import { DEMO_CREDENTIALS, seedDemo } from '../../../seeds/seeder.js';
import { diffRollups, readRollups, recountRollups } from '../../../server/src/stats/rebuild.js';
import { sessionToken } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { startTestServer, T0, type TestServer } from '../../support/server.js';
import { expectRectRollupExact } from './rect-support.js';

let server: TestServer;
let cases: RectCase[] = [];
const NOW = T0.getTime();
const FINISHED_BEFORE = NOW - DEMO_RECT_PROFILE.finishedAfterDays * DAY_MS;

const em = () => server.app.orm.em.fork() as Em;
const rows = <T>(sql: string, params: unknown[] = []) => em().execute<T[]>(sql, params);

/** The figures (R19) of some cases, summed with the definitions of figures.logic.ts. */
function figuresOf(list: RectCase[]) {
  const sum: Contribution = {};
  for (const c of list) for (const [m, n] of Object.entries(contributionOf(c))) sum[m as keyof Contribution] = (sum[m as keyof Contribution] ?? 0) + n;
  return figuresFrom(sum);
}

beforeAll(async () => {
  server = await startTestServer();
  const started = Date.now();
  // 20 000 ratings over 30 days (what `npm run seed` gives 20 000 ratings): about 20 bad reviews, some recent.
  await seedDemo(server.app, { ratings: 20_000, days: 30 });
  // Reported, not asserted: timing is the benchmarks' business.
  console.info(`seedDemo(20 000 ratings) with the rectification history: ${Date.now() - started} ms`);
  cases = await em().find(RectCaseSchema, {}, { orderBy: { id: 'asc' } });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

describe('demo rectification history (R13–R20, R24)', () => {
  it('opens the cases of every bad first rating, one per responsible department, and of no other rating (R13)', async () => {
    const bad = await rows<{ id: number; n: number | string; departments: number | string }>(
      `select r.id,
              (select count(*) from rect_case rc where rc.rating_id = r.id) as n,
              (select count(distinct cu.department_id) from case_unit cu where cu.case_id in (select s.case_id from service s where s.rating_id = r.id)) as departments
         from rating r where r.level <= 2 and r.assess_number = 1 and r.is_default = false`,
    );
    expect(bad.length).toBeGreaterThan(5);
    for (const r of bad) expect(Number(r.n), `rating ${r.id}`).toBe(Number(r.departments));
    expect(cases.length).toBe(bad.reduce((sum, r) => sum + Number(r.n), 0));
    const strays = await rows<{ n: number | string }>(
      'select count(*) as n from rect_case rc join rating r on r.id = rc.rating_id where not (r.level <= 2 and r.assess_number = 1 and r.is_default = false)',
    );
    expect(Number(strays[0]!.n)).toBe(0);
    // Every valid bad rating's cases are live; only the invalidated ratings' cases are INVALIDATED.
    const invalid = new Set((await rows<{ id: number }>('select id from rating where valid = false')).map((r) => Number(r.id)));
    for (const c of cases) expect(c.state === 'INVALIDATED', `case ${c.id}`).toBe(invalid.has(c.ratingId));
  });

  it('closes the loop of every case older than 15 days: 100% rectified on time, called back and closed (R19, R24)', () => {
    const older = cases.filter((c) => c.openedAt < FINISHED_BEFORE);
    const counted = older.filter((c) => c.state !== 'INVALIDATED');
    expect(counted.length).toBeGreaterThan(5);
    for (const c of counted) expect(c.state, `case ${c.id}`).toBe('CLOSED');
    const f = figuresOf(older);
    expect(f.counts.cases).toBe(counted.length);
    expect(f.rectificationRate).toBe(1);
    expect(f.onTimeRate).toBe(1);
    expect(f.callbackRate).toBe(1);
    expect(f.callbackSatisfactionRate).toBe(1);
    expect(f.counts.overdueEver).toBe(0);
    // Satisfaction on the callback is 3–5, mostly 4–5.
    expect(counted.every((c) => c.callbackSatisfaction! >= 3)).toBe(true);
    expect(counted.filter((c) => c.callbackSatisfaction! >= 4).length / counted.length).toBeGreaterThan(0.7);
    // A few reviews were verified unfounded and explained to the rater instead (counted as rectified).
    const explained = cases.filter((c) => c.finding === 'UNFOUNDED' && c.appealedAt === null);
    expect(explained.length).toBeGreaterThanOrEqual(1);
    expect(explained.length / cases.length).toBeLessThan(0.1);
  });

  it('leaves recent cases in the open states, with overdue ones escalated by the job (R16)', async () => {
    const open = cases.filter((c) => !['CLOSED', 'INVALIDATED'].includes(c.state));
    expect(open.length).toBeGreaterThan(0);
    expect(new Set(open.map((c) => c.state)).size).toBeGreaterThan(1);
    const overdue = open.filter((c) => c.overdue);
    expect(overdue.length).toBeGreaterThanOrEqual(1);
    expect(overdue.length).toBeLessThanOrEqual(2);
    for (const c of overdue) {
      expect(c.dueAt!).toBeLessThan(NOW);
      expect(c.escalationLevel).toBe(1);
      // Escalated when the job first ran after the deadline, as the system.
      const [step] = await rows<{ at: number | string; actor_role: string }>(
        "select at, actor_role from rect_step where rect_case_id = ? and action = 'ESCALATE'",
        [c.id],
      );
      expect(step!.actor_role).toBe('system');
      expect(Number(step!.at) - c.escalatedDueAt!).toBeGreaterThan(0);
      expect(Number(step!.at) - c.escalatedDueAt!).toBeLessThan(5 * 60_000);
    }
    // Nothing else is late: every other open case is within its deadline.
    for (const c of open.filter((o) => !o.overdue)) expect(c.dueAt === null || c.dueAt > NOW, `case ${c.id}`).toBe(true);
  });

  it('has an appeal upheld by the supervisor: the rating is invalid and has left the statistics exactly (R18)', async () => {
    const invalidated = cases.filter((c) => c.state === 'INVALIDATED');
    expect(invalidated.length).toBeGreaterThanOrEqual(1);
    expect(invalidated.some((c) => c.appealDecision === 'UPHELD')).toBe(true);
    for (const c of invalidated) {
      const [rating] = await rows<{ valid: boolean | number; invalid_reason: string | null }>('select valid, invalid_reason from rating where id = ?', [
        c.ratingId,
      ]);
      expect(Boolean(rating!.valid)).toBe(false);
      expect(rating!.invalid_reason).toContain('申诉成立');
    }
    const e = em();
    expect(diffRollups(await recountRollups(e), await readRollups(e))).toEqual([]);
  });

  it('keeps rect_rollup equal to a recount from the cases', async () => {
    await expectRectRollupExact({ server });
    const [all] = await rows<{ n: number | string }>("select n from rect_rollup where scope = 'T' and grain = 'A' and metric = 'cases'");
    expect(Number(all!.n)).toBe(cases.filter((c) => c.state !== 'INVALIDATED').length);
  });

  it('records every step as the live workflow does: in order, in the past, by actors of the right roles (R15, R17)', async () => {
    const steps = await rows<{
      rect_case_id: number;
      seq: number;
      action: string;
      from_state: string | null;
      to_state: string;
      actor: string;
      actor_role: string;
      at: number | string;
    }>('select rect_case_id, seq, action, from_state, to_state, actor, actor_role, at from rect_step order by rect_case_id, seq');
    const roles: Record<string, string[]> = {
      OPEN: ['system'],
      DISPATCH: ['department'],
      VERIFY: ['department'],
      CLASSIFY: ['department'],
      RECTIFY: ['department'],
      FEED_BACK: ['department'],
      CALL_BACK: ['hotline'],
      CLOSE: ['department', 'supervisor'],
      APPEAL: ['department'],
      DECIDE_APPEAL: ['supervisor'],
      ESCALATE: ['system'],
      INVALIDATE: ['system'],
    };
    const byCase = new Map<number, typeof steps>();
    for (const s of steps) byCase.set(Number(s.rect_case_id), [...(byCase.get(Number(s.rect_case_id)) ?? []), s]);
    const users = new Map(
      (await rows<{ id: number; role: string; department_id: number | null }>('select id, role, department_id from app_user')).map((u) => [`user:${u.id}`, u]),
    );
    const paths = new Map((await rows<{ id: number; path: string }>('select id, path from department')).map((d) => [Number(d.id), d.path]));
    for (const c of cases) {
      const list = byCase.get(c.id)!;
      expect(list.map((s) => Number(s.seq))).toEqual(list.map((_, i) => i + 1));
      expect(list[0]!.action).toBe('OPEN');
      expect(list[list.length - 1]!.to_state).toBe(c.state);
      let last = c.openedAt;
      for (const s of list) {
        expect(Number(s.at)).toBeGreaterThanOrEqual(last);
        expect(Number(s.at)).toBeLessThanOrEqual(NOW);
        last = Number(s.at);
        expect(roles[s.action], `${s.action} of case ${c.id}`).toContain(s.actor_role);
        if (s.actor_role === 'department') {
          // The officer of the case's department (or of a parent department).
          const user = users.get(s.actor)!;
          expect(user.role).toBe('department');
          expect(c.departmentPath.startsWith(paths.get(Number(user.department_id))!)).toBe(true);
        }
      }
    }
    // One provincial record per step, written with it (R17).
    const [records] = await rows<{ n: number | string }>("select count(*) as n from outbox where topic = 'rectification.record'");
    expect(Number(records!.n)).toBe(steps.length);
    // Each callback was preceded by the operator opening the rater's contact data (audit, R12).
    const [views] = await rows<{ n: number | string }>("select count(*) as n from audit_log where action = 'rater-contact.view'");
    expect(Number(views!.n)).toBe(new Set(steps.filter((s) => s.action === 'CALL_BACK').map((s) => s.rect_case_id)).size);
  });

  it('leaves the messages to raters and supervisors in the outbox: nothing was sent (R17)', async () => {
    const messages = await rows<{ topic: string; delivered_at: number | null; attempts: number | string; payload: string }>(
      'select topic, delivered_at, attempts, payload from outbox where topic in (?, ?)',
      [MESSAGE_TOPICS.sms, MESSAGE_TOPICS.portal],
    );
    const [feedBacks] = await rows<{ n: number | string }>("select count(*) as n from rect_step where action = 'FEED_BACK'");
    expect(messages.length).toBeGreaterThanOrEqual(Number(feedBacks!.n));
    for (const m of messages) {
      expect(m.delivered_at).toBeNull();
      expect(Number(m.attempts)).toBe(0);
    }
  });

  it("shows on the big screen and in the workspace: the demo hotline operator's callbacks, the supervisor's overdue queue", async () => {
    type Queue = { rectificationCases: { total: number; items: Array<{ state: string; overdue: boolean }> } };
    const hotline = await sessionToken(server, DEMO_CREDENTIALS.hotline.username, DEMO_CREDENTIALS.hotline.password);
    const callbacks = await server.gql<Queue>(operation('rectification-queue'), { filter: { states: ['FED_BACK'] } }, { token: hotline });
    expect(callbacks.errors).toBeUndefined();
    expect(callbacks.data!.rectificationCases.total).toBe(cases.filter((c) => c.state === 'FED_BACK').length);
    const supervisor = await sessionToken(server, DEMO_CREDENTIALS.supervisor.username, DEMO_CREDENTIALS.supervisor.password);
    const overdue = await server.gql<Queue>(operation('rectification-queue'), { filter: { overdue: true } }, { token: supervisor });
    expect(overdue.data!.rectificationCases.total).toBe(cases.filter((c) => c.overdue).length);
    expect(overdue.data!.rectificationCases.total).toBeGreaterThanOrEqual(1);
    // The screen panel (public figures of the whole installation).
    const screen = await server.gql<{
      rectificationFigures: { cases: number; open: number; overdueOpen: number; rectificationRate: number; callbackRate: number; onTimeRate: number };
    }>(operation('screen-rectification'), {});
    expect(screen.errors).toBeUndefined();
    const live = cases.filter((c) => c.state !== 'INVALIDATED');
    expect(screen.data!.rectificationFigures).toMatchObject({
      cases: live.length,
      open: live.filter((c) => c.state !== 'CLOSED').length,
      overdueOpen: cases.filter((c) => c.overdue).length,
      onTimeRate: 1,
    });
    console.info('demo rectification figures:', JSON.stringify(screen.data!.rectificationFigures));
  });
});

describe('demo rectification profiles (pure)', () => {
  const rules = resolveRules(['419900000000'], []).rules;
  const calendar = workCalendar([]);
  const ref = (id: number, daysAgo: number): DemoRatingRef => ({ id, ratedAt: NOW - daysAgo * DAY_MS });

  it('is deterministic, with ≈5% explained and one or two appeals among the older ratings', () => {
    const ratings = Array.from({ length: 700 }, (_, i) => ref(i + 1, 365 - i * 0.52));
    const a = assignDemoProfiles(ratings, NOW);
    expect([...a]).toEqual([...assignDemoProfiles(ratings, NOW)]);
    const count = (p: string) => [...a.values()].filter((v) => v === p).length;
    expect(count('OVERDUE')).toBe(2);
    expect(count('APPEALED')).toBe(2);
    expect(count('EXPLAINED')).toBe(35);
    for (const [id, p] of a) {
      const r = ratings[id - 1]!;
      if (p === 'APPEALED') expect(NOW - r.ratedAt).toBeGreaterThan(15 * DAY_MS);
      if (p === 'OVERDUE') expect(NOW - r.ratedAt).toBeGreaterThanOrEqual(5 * DAY_MS);
    }
  });

  it('takes the newest older ratings as overdue when none is recent (a year-long history of few bad reviews)', () => {
    const ratings = [ref(1, 300), ref(2, 200), ref(3, 120), ref(4, 80), ref(5, 77)];
    const a = assignDemoProfiles(ratings, NOW);
    expect(a.get(5)).toBe('OVERDUE');
    expect([...a.values()].filter((v) => v === 'OVERDUE')).toHaveLength(1);
    expect([...a.values()].filter((v) => v === 'APPEALED')).toHaveLength(0);
    const opened = openCase(1, ratings[4]!.ratedAt, { rules, calendar });
    const plan = planDemoCase(opened, 'OVERDUE', { now: NOW, rules, calendar, seed: 7, officerLabel: 'user:1', supervisorLabel: 'user:2' });
    expect(plan.escalateAt).not.toBeNull();
    expect(plan.steps.every((s) => s.cmd.action !== 'RECTIFY')).toBe(true);
  });

  it('plans a closed loop within 14 days, each step before its deadline', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const opened = openCase(2, NOW - 40 * DAY_MS + seed * 3_600_000, { rules, calendar });
      const plan = planDemoCase(opened, seed % 20 === 0 ? 'EXPLAINED' : 'FIXED', {
        now: NOW,
        rules,
        calendar,
        seed,
        officerLabel: 'user:1',
        supervisorLabel: 'user:2',
      });
      const last = plan.steps[plan.steps.length - 1]!;
      expect(last.cmd.action).toBe('CLOSE');
      expect(last.at - opened.openedAt).toBeLessThanOrEqual(14 * DAY_MS);
      expect(plan.escalateAt).toBeNull();
      // Replayed through the state machine: never late, rectified on time.
      let state: RectCaseState = opened;
      for (const step of plan.steps) state = { ...state, ...applyAction(state, step.cmd, { now: step.at, rules, calendar }).patch };
      expect(state).toMatchObject({ state: 'CLOSED', everOverdue: false, callbackReached: true });
      expect(state.resolvedAt === null || state.onTime).toBe(true);
    }
  });
});
