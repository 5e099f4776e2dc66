import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import type { ChangeEvent } from '../../../server/src/common/pubsub.js';
import type { Em } from '../../../server/src/db/orm.js';
import { diffRollups, readRollups, recountRollups } from '../../../server/src/stats/rebuild.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { codeOf } from '../../support/server.js';
import { badReview, caseDetail, caseIdOf, casesOf, HOUR, ok, rectEnv, stepCase, type RectEnv } from './rect-support.js';
import { expectRectRollupExact } from './rect-support.js';

let env: RectEnv;
let ws: Client;

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

/** Rollups equal a recount from the raw rows (valid first ratings only): the invalidation subtracted exactly. */
async function rollupsExact(): Promise<void> {
  const em = env.server.app.orm.em.fork() as Em;
  expect(diffRollups(await recountRollups(em), await readRollups(em))).toEqual([]);
}

async function verifiedCase(spec: Parameters<typeof badReview>[1] = {}, finding = 'FOUNDED') {
  const review = await badReview(env, spec);
  const id = await caseIdOf(env, review);
  ok(await stepCase(env, 'dispatch-rectification', id, { handler: '张科长' }, env.tokens.market));
  ok(await stepCase(env, 'verify-rectification', id, { finding }, env.tokens.market));
  return { review, id };
}

describe('appeal (申诉复核, R18)', () => {
  it('invalidates the rating when the supervisor upholds the appeal: it leaves every statistic exactly (R18)', async () => {
    const { fx } = env;
    const { review, id } = await verifiedCase({ windowId: fx.window.id, staffNo: fx.staff.workNo });
    const scopes = ['T', `D:${fx.departments.market.id}`, `I:${fx.items.business.id}`, `S:${fx.staff.id}`, 'R:419901000000'];
    const before = await Promise.all(scopes.map((s) => rollupTotal(env.server.app, s)));
    const tagsBefore = await countRows(env.server.app, 'rollup_tag', "scope = 'T' and grain = 'A' and tag = '115' and n > 0");
    const events: ChangeEvent[] = [];
    const unsubscribe = env.server.app.bus.subscribe((e) => events.push(e));

    const appealed = ok(
      await stepCase(env, 'appeal-rectification', id, { reason: '当日监控显示服务规范，评价与事实不符', attachments: ['监控录像.mp4'] }, env.tokens.market),
    );
    expect(appealed).toMatchObject({ state: 'APPEALED', dueAt: null });
    const decided = ok(await stepCase(env, 'decide-appeal', id, { decision: 'UPHELD', note: '经调取录像，申诉成立' }, env.tokens.supervisor));
    unsubscribe();
    expect(decided.state).toBe('INVALIDATED');

    const detail = await caseDetail(env, id, env.tokens.supervisor);
    expect(detail.rating).toMatchObject({ id: review.ratingId, valid: false });
    expect(detail.appeal).toMatchObject({ decision: 'UPHELD' });
    expect(detail.invalidReason).toContain('申诉成立');
    const after = await Promise.all(scopes.map((s) => rollupTotal(env.server.app, s)));
    expect(after).toEqual(before.map((n) => n - 1));
    expect(await countRows(env.server.app, 'rollup_tag', "scope = 'T' and grain = 'A' and tag = '115' and n > 0")).toBeLessThanOrEqual(tagsBefore);
    await rollupsExact();
    // Live: one invalidation event after the commit, naming the scopes the rating left.
    const invalidation = events.find((e) => e.kind === 'invalidation');
    expect(invalidation?.scopes).toEqual(expect.arrayContaining(scopes));
    expect(invalidation?.detail).toMatchObject({ ratingId: review.ratingId });
    // The provincial record says the evaluation is no longer valid.
    const record = await (env.server.app.orm.em.fork() as Em).execute<Array<{ payload: string }>>(
      'select payload from outbox where record_key like ? and topic = ? order by id desc limit 1',
      [`rect:${id}:%`, 'rectification.record'],
    );
    expect(JSON.parse(record[0]!.payload)).toMatchObject({ effectivEvalua: '0', appealStatus: 'UPHELD', status: 'INVALIDATED' });
  });

  it('pushes the invalidation to live subscribers of the figures (R18, live)', async () => {
    const { id } = await verifiedCase();
    const department = env.fx.departments.market.id;
    const totals: number[] = [];
    let seen!: () => void;
    let first!: () => void;
    const dropped = new Promise<void>((resolve) => {
      seen = resolve;
    });
    const firstSnapshot = new Promise<void>((resolve) => {
      first = resolve;
    });
    const stop = ws.subscribe<{ overviewChanged: { total: number } }>(
      { query: 'subscription ($f: StatsFilter) { overviewChanged(filter: $f) { total } }', variables: { f: { departmentId: department } } },
      {
        next: (msg) => {
          const total = msg.data?.overviewChanged.total;
          if (total === undefined) return;
          totals.push(total);
          first();
          if (totals.length > 1 && total === totals[0]! - 1) seen();
        },
        error: (err) => {
          throw err instanceof Error ? err : new Error(JSON.stringify(err));
        },
        complete: () => undefined,
      },
    );
    try {
      // Wait for the first snapshot, then invalidate.
      await firstSnapshot;
      ok(await stepCase(env, 'appeal-rectification', id, { reason: '恶意差评，多次无理要求' }, env.tokens.market));
      ok(await stepCase(env, 'decide-appeal', id, { decision: 'MALICIOUS' }, env.tokens.supervisor));
      await dropped;
    } finally {
      stop();
    }
    expect(totals[totals.length - 1]).toBe(totals[0]! - 1);
    expect((await caseDetail(env, id, env.tokens.supervisor)).invalidReason).toContain('恶意');
  });

  it("ends every department's case of a joint rating once the rating is invalid (R18, R10)", async () => {
    const { fx } = env;
    const review = await badReview(env, { caseKind: 'JOINT', units: [{ deptCode: fx.departments.police.creditCode, taskCode: fx.items.idCard.taskCode }] });
    const marketId = await caseIdOf(env, review);
    const policeId = await caseIdOf(env, review, env.tokens.police);
    const policeBefore = await rollupTotal(env.server.app, `D:${fx.departments.police.id}`);
    ok(await stepCase(env, 'dispatch-rectification', marketId, { handler: '张' }, env.tokens.market));
    ok(await stepCase(env, 'verify-rectification', marketId, { finding: 'UNFOUNDED' }, env.tokens.market));
    ok(await stepCase(env, 'appeal-rectification', marketId, { reason: '不属实' }, env.tokens.market));
    ok(await stepCase(env, 'decide-appeal', marketId, { decision: 'UPHELD' }, env.tokens.supervisor));
    const police = await caseDetail(env, policeId, env.tokens.police);
    expect(police.state).toBe('INVALIDATED');
    expect(police.history[police.history.length - 1]).toMatchObject({ action: 'INVALIDATE', actorRole: 'system' });
    expect(await rollupTotal(env.server.app, `D:${fx.departments.police.id}`)).toBe(policeBefore - 1);
    await rollupsExact();
  });

  it('lets the case go on after a rejected appeal, with the days it was pending given back (R18, R16)', async () => {
    const { id } = await verifiedCase();
    const classified = ok(await stepCase(env, 'classify-rectification', id, { rectClass: 'GENERAL' }, env.tokens.market));
    const due = Date.parse(classified.rectifyDueAt);
    const ratingsBefore = await rollupTotal(env.server.app, 'T');
    ok(await stepCase(env, 'appeal-rectification', id, { reason: '理由不充分的申诉' }, env.tokens.market));
    env.server.clock.advance(72 * HOUR);
    const back = ok(await stepCase(env, 'decide-appeal', id, { decision: 'REJECTED', note: '申诉不成立' }, env.tokens.supervisor));
    expect(back.state).toBe('CLASSIFIED');
    expect(Date.parse(back.rectifyDueAt)).toBe(due + 72 * HOUR);
    expect(await rollupTotal(env.server.app, 'T')).toBe(ratingsBefore);
    expect(codeOf(await stepCase(env, 'appeal-rectification', id, { reason: '再次申诉' }, env.tokens.market))).toBe('ILLEGAL_TRANSITION');
  });

  it('refuses an appeal decision from anyone but a supervisor of the region (R18)', async () => {
    const { id } = await verifiedCase();
    ok(await stepCase(env, 'appeal-rectification', id, { reason: '不实' }, env.tokens.market));
    expect(codeOf(await stepCase(env, 'decide-appeal', id, { decision: 'UPHELD' }, env.tokens.market))).toBe('FORBIDDEN');
    expect(codeOf(await stepCase(env, 'decide-appeal', id, { decision: 'UPHELD' }, env.tokens.districtSupervisor))).toBe('NOT_FOUND');
    expect((await caseDetail(env, id, env.tokens.market)).state).toBe('APPEALED');
  });

  it('lists appeals waiting for a decision for the supervisor', async () => {
    const res = await env.server.gql<{ rectificationCases: { items: Array<{ state: string }> } }>(
      'query { rectificationCases(filter: { states: [APPEALED] }) { items { state } } }',
      {},
      { token: env.tokens.supervisor },
    );
    expect(res.data!.rectificationCases.items.length).toBeGreaterThan(0);
    expect(new Set(res.data!.rectificationCases.items.map((c) => c.state))).toEqual(new Set(['APPEALED']));
    expect(await casesOf(env, 'NO-SUCH', env.tokens.supervisor)).toEqual([]);
  });
});

describe('assessment counters (R19, R22)', () => {
  it('equal a recount from the cases after everything above', async () => {
    await expectRectRollupExact(env);
  });
});
