import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { DISTRICT_A } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf, T0 } from '../../support/server.js';
import { badReview, caseDetail, caseIdOf, HOUR, ok, rectEnv, stepCase, type RectEnv } from './rect-support.js';
import { expectRectRollupExact } from './rect-support.js';

let env: RectEnv;
let ws: Client;

/** The end (24:00) of a Shanghai day as the API writes it. */
const endOf = (day: string) => new Date(new Date(`${day}T00:00:00+08:00`).getTime() + 24 * HOUR).toISOString();
const at = (text: string) => new Date(`${text}+08:00`);

beforeAll(async () => {
  env = await rectEnv();
  ws = createClient({
    url: `${env.server.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${env.tokens.supervisor}` },
  });
});
afterAll(async () => {
  await ws.dispose();
  await env.close();
});

const SET =
  'mutation ($r: String!, $k: String!, $v: String) { setRectificationSetting(regionCode: $r, key: $k, value: $v) { key value defaultValue regionCode } }';
const HOLIDAY = 'mutation ($d: String!, $k: String, $n: String!, $r: String!) { setHoliday(date: $d, kind: $k, name: $n, regionCode: $r) { date kind name } }';

describe('deadline clocks per region (R14, R16)', () => {
  it('starts at 2026-11-20 10:00 Shanghai, a Friday', () => {
    expect(T0.toISOString()).toBe(at('2026-11-20T10:00:00').toISOString());
    expect(env.server.clock.now().getTime()).toBe(T0.getTime());
  });

  it('lets a supervisor set the clocks of its region, and only of its region', async () => {
    const res = await env.server.gql<{ setRectificationSetting: Array<{ key: string; value: string; defaultValue: string; regionCode: string | null }> }>(
      SET,
      { r: DISTRICT_A, k: 'clock.rectify.GENERAL', v: '5w' },
      { token: env.tokens.supervisor },
    );
    expect(res.data!.setRectificationSetting.find((s) => s.key === 'clock.rectify.GENERAL')).toEqual({
      key: 'clock.rectify.GENERAL',
      value: '5W',
      defaultValue: '15N',
      regionCode: DISTRICT_A,
    });
    expect(res.data!.setRectificationSetting.find((s) => s.key === 'clock.callback')).toEqual({
      key: 'clock.callback',
      value: '1W',
      defaultValue: '1W',
      regionCode: null,
    });
    expect(codeOf(await env.server.gql(SET, { r: DISTRICT_A, k: 'clock.verify', v: '2W' }, { token: env.tokens.districtSupervisor }))).toBe('FORBIDDEN');
    expect(codeOf(await env.server.gql(SET, { r: DISTRICT_A, k: 'clock.verify', v: 'two weeks' }, { token: env.tokens.supervisor }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await env.server.gql(SET, { r: DISTRICT_A, k: 'clock.verify', v: '2W' }, { token: env.tokens.market }))).toBe('FORBIDDEN');
  });

  it('keeps a holiday calendar with worked weekend days (调休) for working-day limits', async () => {
    // Invented entries for the test: Monday 23 Nov off, Saturday 28 Nov worked.
    expect((await env.server.gql(HOLIDAY, { d: '2026-11-23', k: 'HOLIDAY', n: '测试假日', r: '' }, { token: env.tokens.admin })).errors).toBeUndefined();
    expect((await env.server.gql(HOLIDAY, { d: '2026-11-28', k: 'WORKDAY', n: '测试调休', r: '' }, { token: env.tokens.admin })).errors).toBeUndefined();
    expect(codeOf(await env.server.gql(HOLIDAY, { d: '2026-11-30', k: 'HOLIDAY', n: '全国', r: '' }, { token: env.tokens.supervisor }))).toBe('FORBIDDEN');
    expect(codeOf(await env.server.gql(HOLIDAY, { d: '2026-02-30', k: 'HOLIDAY', n: 'x', r: '' }, { token: env.tokens.admin }))).toBe('BAD_USER_INPUT');
    const list = await env.server.gql<{ holidays: Array<{ date: string; kind: string }> }>(
      '{ holidays(year: 2026) { date kind } }',
      {},
      { token: env.tokens.supervisor },
    );
    expect(list.data!.holidays).toEqual([
      { date: '2026-11-23', kind: 'HOLIDAY' },
      { date: '2026-11-28', kind: 'WORKDAY' },
    ]);
  });

  it("computes a case's clocks from its region's settings and the calendar (R16)", async () => {
    const id = await caseIdOf(env, await badReview(env));
    const c = await caseDetail(env, id, env.tokens.market);
    // Dispatch within 1 working day: Monday is a holiday, so Tuesday.
    expect(c.stageDueAt).toBe(endOf('2026-11-24'));
    // 5 working days in 东城区: Tue 24, Wed 25, Thu 26, Fri 27 and the worked Saturday 28.
    expect(c.rectifyDueAt).toBe(endOf('2026-11-28'));
    expect(c.dueAt).toBe(endOf('2026-11-24'));
    // 西城区 keeps the default: 15 natural days.
    const { fx } = env;
    const social = await badReview(env, { deptCode: fx.departments.social.creditCode, taskCode: fx.items.pension.taskCode, key: fx.keys.social });
    const other = await caseDetail(env, await caseIdOf(env, social, env.tokens.supervisor), env.tokens.supervisor);
    expect(other.rectifyDueAt).toBe(endOf('2026-12-05'));
  });

  it('marks overdue cases, escalates each passed deadline once, and shows them in queries, figures and subscriptions (R16)', async () => {
    const id = await caseIdOf(env, await badReview(env));
    const figures = async () =>
      (
        await env.server.gql<{ rectificationFigures: { overdueOpen: number } }>(
          operation('rectification-figures'),
          { regionCode: DISTRICT_A },
          { token: env.tokens.supervisor },
        )
      ).data!.rectificationFigures;
    const overdueBefore = (await figures()).overdueOpen;
    const changes: Array<{ action: string; caseIds: number[]; overdue: boolean | null }> = [];
    let escalated!: () => void;
    const gotEscalation = new Promise<void>((resolve) => {
      escalated = resolve;
    });
    const stop = ws.subscribe<{ rectificationChanged: { action: string; caseIds: number[]; overdue: boolean | null } }>(
      { query: 'subscription { rectificationChanged { action caseIds overdue } }' },
      {
        next: (msg) => {
          const change = msg.data!.rectificationChanged;
          changes.push(change);
          if (change.action === 'ESCALATE' && change.caseIds.includes(id)) escalated();
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    // The server registers a subscription a moment after the client sends it: probe until it is live.
    for (let i = 0; i < 500 && changes.length === 0; i++) {
      env.server.app.bus.publish({
        kind: 'rectification',
        scopes: ['T', 'R:419900000000'],
        at: Date.now(),
        origin: 'probe',
        detail: { action: 'OPEN', caseIds: [] },
      });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(changes.length).toBeGreaterThan(0);

    env.server.clock.set(at('2026-11-25T09:00:00'));
    const sent = env.messages.received.length;
    const run = await env.server.gql<{ runRectificationJob: number }>('mutation { runRectificationJob }', {}, { token: env.tokens.admin });
    expect(run.data!.runRectificationJob).toBeGreaterThanOrEqual(1);
    await gotEscalation;
    stop();
    const c = await caseDetail(env, id, env.tokens.market);
    expect(c).toMatchObject({ overdue: true, everOverdue: true, escalationLevel: 1, state: 'OPENED' });
    expect(c.history[c.history.length - 1]).toMatchObject({ action: 'ESCALATE', actorRole: 'system' });
    // Visible to the supervisor's overdue view and in the figures.
    const overdue = await env.server.gql<{ rectificationCases: { items: Array<{ id: number; overdue: boolean }> } }>(
      operation('rectification-queue'),
      { filter: { overdue: true } },
      { token: env.tokens.supervisor },
    );
    expect(overdue.data!.rectificationCases.items.map((i) => i.id)).toContain(id);
    expect((await figures()).overdueOpen).toBeGreaterThan(overdueBefore);
    // Escalated to the supervising body of the department's region.
    await env.messages.waitFor(sent + 1);
    expect(env.messages.received.slice(sent).some((m) => m.body.recipient === `region:${DISTRICT_A}` && String(m.body.text).includes(String(id)))).toBe(true);
    // The same deadline is escalated once.
    const again = await env.server.gql<{ runRectificationJob: number }>('mutation { runRectificationJob }', {}, { token: env.tokens.admin });
    expect(again.data!.runRectificationJob).toBe(0);

    // Dispatching late clears the flag for the new stage but keeps the mark (R16).
    const late = ok(await stepCase(env, 'dispatch-rectification', id, { handler: '张' }, env.tokens.market));
    expect(late.overdue).toBe(false);
    expect((await caseDetail(env, id, env.tokens.market)).everOverdue).toBe(true);
  });

  it('extends the rectification deadline with a reason and a new date (R16)', async () => {
    env.server.clock.set(T0);
    const id = await caseIdOf(env, await badReview(env));
    ok(await stepCase(env, 'dispatch-rectification', id, { handler: '张' }, env.tokens.market));
    ok(await stepCase(env, 'verify-rectification', id, { finding: 'FOUNDED' }, env.tokens.market));
    ok(await stepCase(env, 'classify-rectification', id, { rectClass: 'COMPLEX' }, env.tokens.market));
    const extended = ok(await stepCase(env, 'extend-rectification-deadline', id, { newDate: '2026-12-10', reason: '需市级部门协调场地' }, env.tokens.market));
    expect(extended.rectifyDueAt).toBe(endOf('2026-12-10'));
    const c = await caseDetail(env, id, env.tokens.market);
    expect(c.history[c.history.length - 1]).toMatchObject({ action: 'EXTEND', toState: 'CLASSIFIED' });
    expect(codeOf(await stepCase(env, 'extend-rectification-deadline', id, { newDate: '2026-12-20', reason: '再次延期' }, env.tokens.market))).toBe(
      'ILLEGAL_TRANSITION',
    );
    expect(
      codeOf(
        await stepCase(
          env,
          'extend-rectification-deadline',
          await caseIdOf(env, await badReview(env)),
          { newDate: '2026/12/10', reason: '格式' },
          env.tokens.market,
        ),
      ),
    ).toBe('BAD_USER_INPUT');
  });

  it('pauses every clock of a case while its appeal is pending (R16, R18)', async () => {
    env.server.clock.set(T0);
    const id = await caseIdOf(env, await badReview(env));
    ok(await stepCase(env, 'dispatch-rectification', id, { handler: '张' }, env.tokens.market));
    ok(await stepCase(env, 'verify-rectification', id, { finding: 'FOUNDED' }, env.tokens.market));
    ok(await stepCase(env, 'appeal-rectification', id, { reason: '不实' }, env.tokens.market));
    // Long after every deadline the paused case is not escalated.
    env.server.clock.set(at('2026-12-20T10:00:00'));
    await env.server.gql('mutation { runRectificationJob }', {}, { token: env.tokens.admin });
    const c = await caseDetail(env, id, env.tokens.market);
    expect(c).toMatchObject({ state: 'APPEALED', paused: true, overdue: false, escalationLevel: 0, dueAt: null });
    env.server.clock.set(T0);
  });
});

describe('assessment counters (R19, R22)', () => {
  it('equal a recount from the cases after everything above', async () => {
    await expectRectRollupExact(env);
  });
});
