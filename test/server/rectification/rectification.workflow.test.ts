import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../server/src/common/pubsub.js';
import type { Em } from '../../../server/src/db/orm.js';
import { countRows } from '../../support/rollups.js';
import { operation } from '../../support/operations.js';
import { codeOf } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';
import { badReview, caseDetail, caseIdOf, casesOf, ok, rectEnv, stepCase, toFedBack, type RectEnv } from './rect-support.js';
import { expectRectRollupExact } from './rect-support.js';

let env: RectEnv;

beforeAll(async () => {
  env = await rectEnv();
});
afterAll(() => env.close());

/** The provincial records of a rectification case (their ordering key is the rated 办件's case, R26). */
const outboxOf = (caseId: number, topic = 'rectification.record') =>
  countRows(env.server.app, 'outbox', 'record_key like ? and topic = ?', [`rect:${caseId}:%`, topic]);

describe('opening a case (R13)', () => {
  it('opens a case in the same transaction as a bad rating, with its first step and provincial record (R13, R17)', async () => {
    const before = await countRows(env.server.app, 'rect_case');
    const review = await badReview(env);
    const [kase] = await casesOf(env, review.projectNo, env.tokens.market);
    expect(kase).toMatchObject({ state: 'OPENED', departmentName: '东城区市场监督管理局', overdue: false });
    expect(kase!.allowedActions).toEqual(['DISPATCH', 'EXTEND']);
    expect(await countRows(env.server.app, 'rect_case')).toBe(before + 1);
    const detail = await caseDetail(env, kase!.id, env.tokens.market);
    expect(detail.history).toEqual([expect.objectContaining({ seq: 1, action: 'OPEN', fromState: null, toState: 'OPENED', actorRole: 'system' })]);
    expect(detail.rating).toMatchObject({ id: review.ratingId, level: 1, valid: true });
    expect(await outboxOf(kase!.id)).toBe(1);
  });

  it('announces the opened case live once the bad rating has committed (R13)', async () => {
    const opened: number[] = [];
    const off = env.server.app.bus.subscribe((e: ChangeEvent) => {
      if (e.kind === 'rectification' && e.detail?.action === 'OPEN') opened.push(...(e.detail.caseIds as number[]));
    });
    try {
      const id = await caseIdOf(env, await badReview(env));
      expect(opened).toContain(id);
    } finally {
      off();
    }
  });

  it('opens nothing for good and 基本满意 ratings (R13)', async () => {
    const before = await countRows(env.server.app, 'rect_case');
    for (const level of [5, 4, 3]) {
      const service = await newService(env.server, env.fx);
      expect((await submit(env.server, { ...service, level }, { apiKey: env.fx.keys.market })).errors).toBeUndefined();
    }
    expect(await countRows(env.server.app, 'rect_case')).toBe(before);
  });

  it('opens one case per responsible department of a joint case (R13, R10)', async () => {
    const { fx } = env;
    const review = await badReview(env, { caseKind: 'JOINT', units: [{ deptCode: fx.departments.police.creditCode, taskCode: fx.items.idCard.taskCode }] });
    const market = await casesOf(env, review.projectNo, env.tokens.market);
    const police = await casesOf(env, review.projectNo, env.tokens.police);
    expect(market.map((c) => c.departmentName)).toEqual(['东城区市场监督管理局']);
    expect(police.map((c) => c.departmentName)).toEqual(['河清市公安局']);
    expect(await countRows(env.server.app, 'rect_case', 'rating_id = ?', [review.ratingId])).toBe(2);
  });

  it('opens nothing when the rating itself is refused (R13, R9)', async () => {
    const review = await badReview(env);
    const before = await countRows(env.server.app, 'rect_case');
    const again = await submit(
      env.server,
      { projectNo: review.projectNo, serviceNumber: review.serviceNumber, level: 1, comment: '再评' },
      { apiKey: env.fx.keys.market },
    );
    expect(codeOf(again)).toBe('ALREADY_RATED');
    expect(await countRows(env.server.app, 'rect_case')).toBe(before);
  });
});

describe('the closed loop (R15, R17, R19)', () => {
  it('records every step with actor, time, note and attachment names, and tells the rater (R15, R17)', async () => {
    const review = await badReview(env);
    const id = await caseIdOf(env, review);
    const t = env.tokens.market;
    const sent = env.messages.received.length;
    ok(await stepCase(env, 'dispatch-rectification', id, { handler: '张科长', note: '请核实', attachments: ['转办单.pdf'] }, t));
    ok(
      await stepCase(
        env,
        'verify-rectification',
        id,
        { finding: 'FOUNDED', reasonable: true, note: '调取录像属实', attachments: ['录像截图.png', '谈话记录.docx'] },
        t,
      ),
    );
    ok(await stepCase(env, 'classify-rectification', id, { rectClass: 'GENERAL', proposedHandling: '约谈并培训', leaderInstruction: '限期整改' }, t));
    ok(await stepCase(env, 'rectify-rectification', id, { content: '已对窗口人员开展服务礼仪培训并调整排班' }, t));
    const fed = ok(await stepCase(env, 'feed-back-rectification', id, { reply: '感谢您的监督，我们已整改。' }, t));
    expect(fed.state).toBe('FED_BACK');

    // R17: an SMS to the rater's own number and a portal message, after the commit, idempotent by record key.
    await env.messages.waitFor(sent + 2);
    const [sms, portal] = [
      env.messages.received.find((m, i) => i >= sent && m.path === '/sms')!,
      env.messages.received.find((m, i) => i >= sent && m.path === '/portal')!,
    ];
    expect(sms.body).toMatchObject({ mobile: '13812341234' });
    expect(String(sms.body.text)).toContain('感谢您的监督');
    expect(sms.idempotencyKey).toMatch(/^rect:\d+:\d+:sms$/);
    expect(portal.body).toMatchObject({ recipient: `case:${review.projectNo}`, title: '差评整改反馈' });
    expect(await countRows(env.server.app, 'outbox', 'aggregate_id = ? and topic like ? and delivered_at is not null', [String(id), 'notify.%'])).toBe(2);

    const called = ok(await stepCase(env, 'record-callback', id, { reached: true, satisfaction: 4, note: '群众表示满意' }, env.tokens.hotline));
    expect(called.state).toBe('CALLED_BACK');
    const closed = await env.server.gql<{ closeRectification: { state: string } }>(
      operation('close-rectification'),
      { id, input: { note: '办结' } },
      { token: t },
    );
    expect(closed.data?.closeRectification.state).toBe('CLOSED');

    const detail = await caseDetail(env, id, t);
    expect(detail).toMatchObject({
      state: 'CLOSED',
      finding: 'FOUNDED',
      rectClass: 'GENERAL',
      callbackReached: true,
      callbackSatisfaction: 4,
      onTime: true,
      dueAt: null,
      allowedActions: [],
    });
    expect(detail.history.map((h) => `${h.action}:${h.toState}`)).toEqual([
      'OPEN:OPENED',
      'DISPATCH:DISPATCHED',
      'VERIFY:VERIFIED',
      'CLASSIFY:CLASSIFIED',
      'RECTIFY:RECTIFIED',
      'FEED_BACK:FED_BACK',
      'CALL_BACK:CALLED_BACK',
      'CLOSE:CLOSED',
    ]);
    expect(detail.history[1]).toMatchObject({ actor: '市场监管经办人', actorRole: 'department', note: '请核实', attachments: ['转办单.pdf'] });
    expect(detail.history[2]!.attachments).toEqual(['录像截图.png', '谈话记录.docx']);
    expect(detail.history[6]).toMatchObject({ actor: '12345热线话务员', actorRole: 'hotline' });
    // R17: one provincial record per step, in the layout of docs/exchange.md.
    expect(await outboxOf(id)).toBe(8);
    const em = env.server.app.orm.em.fork() as Em;
    const last = await em.execute<Array<{ payload: string }>>(`select payload from outbox where record_key = ?`, [`rect:${id}:8`]);
    expect(JSON.parse(last[0]!.payload)).toMatchObject({
      projectNo: review.projectNo,
      assessNumber: 1,
      satisfaction: 1,
      effectivEvalua: '1',
      isTrue: '1',
      isReasonable: '1',
      handleGrade: '2',
      proposedHandling: '约谈并培训',
      leaderInstruction: '限期整改',
      rectification: '已对窗口人员开展服务礼仪培训并调整排班',
      answer: '感谢您的监督，我们已整改。',
      answerStatus: '1',
      callbackResult: '1',
      callbackSatisfaction: 4,
      status: 'CLOSED',
      operation: 'CLOSE',
    });
    expect(last[0]!.payload).not.toContain('13812341234');
  });

  it('refuses an illegal transition with ILLEGAL_TRANSITION and changes nothing (R15)', async () => {
    const review = await badReview(env);
    const id = await caseIdOf(env, review);
    const steps = await countRows(env.server.app, 'rect_step', 'rect_case_id = ?', [id]);
    const records = await outboxOf(id);
    for (const [name, input] of [
      ['classify-rectification', { rectClass: 'SIMPLE' }],
      ['rectify-rectification', { content: '跳步' }],
      ['feed-back-rectification', { reply: '跳步' }],
      ['appeal-rectification', { reason: '未核实就申诉' }],
    ] as const) {
      const res = await stepCase(env, name, id, input, env.tokens.market);
      expect(codeOf(res), name).toBe('ILLEGAL_TRANSITION');
      expect(res.errors![0]!.extensions).toMatchObject({ state: 'OPENED', allowed: ['DISPATCH', 'EXTEND'] });
    }
    const callback = await stepCase(env, 'record-callback', id, { reached: true, satisfaction: 5 }, env.tokens.hotline);
    expect(codeOf(callback)).toBe('ILLEGAL_TRANSITION');
    expect((await caseDetail(env, id, env.tokens.market)).state).toBe('OPENED');
    expect(await countRows(env.server.app, 'rect_step', 'rect_case_id = ?', [id])).toBe(steps);
    expect(await outboxOf(id)).toBe(records);
  });

  it('lets only one of two simultaneous actions on a case through (R15)', async () => {
    const review = await badReview(env);
    const id = await caseIdOf(env, review);
    const results = await Promise.all([1, 2, 3].map((i) => stepCase(env, 'dispatch-rectification', id, { handler: `经办人${i}` }, env.tokens.market)));
    // A re-dispatch is legal, so later ones may pass after the first; none may interleave or be lost.
    const passed = results.filter((r) => !r.errors).length;
    expect(passed).toBeGreaterThanOrEqual(1);
    for (const r of results.filter((r) => r.errors)) expect(codeOf(r)).toBe('CONFLICT');
    expect(await countRows(env.server.app, 'rect_step', 'rect_case_id = ?', [id])).toBe(1 + passed);
    const verify = await Promise.all([1, 2].map(() => stepCase(env, 'verify-rectification', id, { finding: 'FOUNDED' }, env.tokens.market)));
    expect(verify.filter((r) => !r.errors)).toHaveLength(1);
    expect(['CONFLICT', 'ILLEGAL_TRANSITION']).toContain(codeOf(verify.find((r) => r.errors)!));
  });

  it('validates step input: content at most 255 characters, satisfaction 1–5 (docs/exchange.md)', async () => {
    const review = await badReview(env);
    const id = await caseIdOf(env, review);
    const t = env.tokens.market;
    ok(await stepCase(env, 'dispatch-rectification', id, { handler: '张' }, t));
    ok(await stepCase(env, 'verify-rectification', id, { finding: 'FOUNDED' }, t));
    ok(await stepCase(env, 'classify-rectification', id, { rectClass: 'SIMPLE' }, t));
    const long = await stepCase(env, 'rectify-rectification', id, { content: '改'.repeat(256) }, t);
    expect(codeOf(long)).toBe('BAD_USER_INPUT');
    expect(long.errors![0]!.message).toContain('255');
    ok(await stepCase(env, 'rectify-rectification', id, { content: '已改' }, t));
    ok(await stepCase(env, 'feed-back-rectification', id, { reply: '已改' }, t));
    expect(codeOf(await stepCase(env, 'record-callback', id, { reached: true, satisfaction: 6 }, env.tokens.hotline))).toBe('BAD_USER_INPUT');
  });

  it('keeps a message in the outbox when the gateway is down; the step itself is committed (R17)', async () => {
    const review = await badReview(env);
    const id = await caseIdOf(env, review);
    env.messages.failing = true;
    try {
      await toFedBack(env, id);
    } finally {
      env.messages.failing = false;
    }
    expect((await caseDetail(env, id, env.tokens.market)).state).toBe('FED_BACK');
    const pending = await (env.server.app.orm.em.fork() as Em).execute<Array<{ attempts: number; last_error: string | null; delivered_at: number | null }>>(
      `select attempts, last_error, delivered_at from outbox where aggregate_id = ? and topic = 'notify.sms'`,
      [String(id)],
    );
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ attempts: 1, delivered_at: null });
    expect(pending[0]!.last_error).toContain('503');
  });

  it('moves on after three unanswered callbacks and counts them as not reached (R15, R19)', async () => {
    const review = await badReview(env);
    const id = await caseIdOf(env, review);
    await toFedBack(env, id);
    expect(ok(await stepCase(env, 'record-callback', id, { reached: false, note: '无人接听' }, env.tokens.hotline)).state).toBe('FED_BACK');
    expect(ok(await stepCase(env, 'record-callback', id, { reached: false }, env.tokens.hotline)).state).toBe('FED_BACK');
    expect(ok(await stepCase(env, 'record-callback', id, { reached: false }, env.tokens.hotline)).state).toBe('CALLED_BACK');
    expect(await caseDetail(env, id, env.tokens.market)).toMatchObject({ callbackReached: false, callbackSatisfaction: null });
  });

  it('lets the rater rate the fix once with the link from the SMS, seeing the reply but no personal data, and reports how far ratings recovered (R12, R17)', async () => {
    const department = env.fx.departments.market.id;
    const figures = async () =>
      (
        await env.server.gql<{ rectificationFigures: Record<string, number | null> }>(
          operation('rectification-figures'),
          { departmentId: department },
          { token: env.tokens.supervisor },
        )
      ).data!.rectificationFigures;
    const before = await figures();
    const review = await badReview(env);
    const id = await caseIdOf(env, review);
    const sent = env.messages.received.length;
    await toFedBack(env, id);
    await env.messages.waitFor(sent + 2);
    const sms = env.messages.received.slice(sent).find((m) => m.path === '/sms')!;
    const token = decodeURIComponent(/\/rerate\?t=([^\s]+)/.exec(String(sms.body.text))![1]!);
    type Ticket = { rerateTicket: Record<string, unknown> };
    const ticket = await env.server.gql<Ticket>(operation('rerate-ticket'), { token });
    expect(ticket.data?.rerateTicket).toMatchObject({
      projectNo: review.projectNo,
      itemName: '个体工商户设立登记',
      departmentName: '东城区市场监督管理局',
      rerated: false,
      accepting: true,
    });
    expect(ticket.data?.rerateTicket.reply).toEqual(expect.any(String));
    expect(JSON.stringify(ticket.data)).not.toMatch(/张|138/);
    const res = await env.server.gql<{ rerateRectification: { caseId: number; level: number } }>(operation('rerate-rectification'), { token, level: 4 });
    expect(res.data?.rerateRectification).toEqual({ caseId: id, level: 4 });
    expect(codeOf(await env.server.gql(operation('rerate-rectification'), { token, level: 5 }))).toBe('ILLEGAL_TRANSITION');
    expect((await env.server.gql<Ticket>(operation('rerate-ticket'), { token })).data?.rerateTicket).toMatchObject({ rerated: true });
    expect(codeOf(await env.server.gql(operation('rerate-ticket'), { token: `${token.slice(0, -4)}AAAA` }))).toBe('UNAUTHENTICATED');
    const after = await figures();
    expect(after.rerated).toBe((before.rerated as number) + 1);
    expect(after.reratedGood).toBe((before.reratedGood as number) + 1);
    expect(after.averageLevelAfter).not.toBeNull();
    expect((await caseDetail(env, id, env.tokens.market)).rerateLevel).toBe(4);
  });

  it('keeps the assessment figures exact per department and region (R19, R22)', async () => {
    const q = async (vars: Record<string, unknown>) =>
      (
        await env.server.gql<{ rectificationFigures: Record<string, number | null> }>(operation('rectification-figures'), vars, {
          token: env.tokens.supervisor,
        })
      ).data!.rectificationFigures;
    const before = await q({ departmentId: env.fx.departments.market.id });
    const regionBefore = await q({ regionCode: '419901000000' });
    const review = await badReview(env);
    const id = await caseIdOf(env, review);
    await toFedBack(env, id);
    ok(await stepCase(env, 'record-callback', id, { reached: true, satisfaction: 2 }, env.tokens.hotline));
    const after = await q({ departmentId: env.fx.departments.market.id });
    expect(after.cases).toBe((before.cases as number) + 1);
    expect(after.rectified).toBe((before.rectified as number) + 1);
    expect(after.onTime).toBe((before.onTime as number) + 1);
    expect(after.calledBack).toBe((before.calledBack as number) + 1);
    expect(after.callbackRated).toBe((before.callbackRated as number) + 1);
    expect(after.callbackSatisfied).toBe(before.callbackSatisfied);
    expect(after.rectificationRate).toBeCloseTo((after.rectified as number) / (after.cases as number), 10);
    expect((await q({ regionCode: '419901000000' })).cases).toBe((regionBefore.cases as number) + 1);
    // The counters equal a recount from the cases themselves.
    const recount = await (env.server.app.orm.em.fork() as Em).execute<Array<{ n: number | string }>>(
      `select count(*) as n from rect_case where department_path like ? and state <> 'INVALIDATED'`,
      [`${env.fx.departments.market.path}%`],
    );
    expect(after.cases).toBe(Number(recount[0]!.n));
  });
});

describe('assessment counters (R19, R22)', () => {
  it('equal a recount from the cases after everything above', async () => {
    await expectRectRollupExact(env);
  });
});
