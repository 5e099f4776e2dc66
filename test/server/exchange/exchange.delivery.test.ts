import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../server/src/common/clock.js';
import type { Em } from '../../../server/src/db/orm.js';
import { OutboxWorker } from '../../../server/src/exchange/outbox.worker.js';
import { recordDueDefaults } from '../../../server/src/rating/defaults.service.js';
import { operation } from '../../support/operations.js';
import { codeOf } from '../../support/server.js';
import { followUp, newService, submit } from '../../support/services.js';
import { badReview, caseIdOf, ok, rectEnv, stepCase, toFedBack, type RectEnv } from '../rectification/rect-support.js';
import { outboxRows, PROVINCE_WHERE, ProvinceStandIn, type OutboxRowLite } from './province-stand-in.js';

let env: RectEnv;
let province: ProvinceStandIn;
let worker: OutboxWorker;
const RETRY_MS = 1_000;

beforeAll(async () => {
  province = await new ProvinceStandIn().start();
  env = await rectEnv({ provinceUrl: province.url, followUpDays: 15, outboxRetryBaseMs: RETRY_MS, outboxRetryMaxMs: RETRY_MS, outboxPoisonAfter: 3 });
  worker = new OutboxWorker(env.server.app, { owner: 'test-worker' });
});

afterAll(async () => {
  await env?.close();
  await province?.close();
});

beforeEach(() => {
  province.fixed = null;
});

const byKey = async (key: string): Promise<OutboxRowLite> => (await outboxRows(env.server, 'record_key = ?', [key]))[0]!;
const payloadOf = async (key: string): Promise<Record<string, unknown>> => {
  const rows = await (env.server.app.orm.em.fork() as Em).execute<Array<{ payload: string }>>('select payload from outbox where record_key = ?', [key]);
  return JSON.parse(rows[0]!.payload) as Record<string, unknown>;
};
/** Lets every backoff run out (the server's clock is a manual one) and runs the worker until nothing is due. */
async function deliverAll(): Promise<void> {
  env.server.clock.advance(RETRY_MS + 1);
  await worker.drain();
}
const serviceIdOf = async (projectNo: string, serviceNumber = 1) =>
  Number(
    (
      await (env.server.app.orm.em.fork() as Em).execute<Array<{ id: number }>>('select id from service where project_no = ? and service_number = ?', [
        projectNo,
        serviceNumber,
      ])
    )[0]!.id,
  );

describe('records for the provincial platform (R17, R26)', () => {
  it('writes every service record and rating (first, follow-up, default) in its transaction, in the interface fields, personal data sealed (R12, R26)', async () => {
    const { fx } = env;
    const service = await newService(env.server, fx, { userName: '欧阳娜娜', mobile: '13900001111' });
    const serviceId = await serviceIdOf(service.projectNo);
    const svc = await payloadOf(`svc:${serviceId}:3`);
    expect(svc).toMatchObject({
      projectNo: service.projectNo,
      serviceNumber: 1,
      taskCode: fx.items.business.taskCode,
      deptCode: fx.departments.market.creditCode,
      proStatus: 3,
    });
    expect(svc.resultDate).toBe('2026-11-20 10:00:00');
    expect(JSON.stringify(svc)).not.toContain('欧阳娜娜');
    expect(JSON.stringify(svc)).not.toContain('13900001111');
    expect(svc.userName).toHaveProperty('$sealed');

    const rated = await submit(env.server, { ...service, level: 4, tags: ['413'] }, { apiKey: fx.keys.market });
    const ratingId = rated.data!.submitEvaluation.id;
    expect(await payloadOf(`eval:${ratingId}`)).toMatchObject({
      projectNo: service.projectNo,
      serviceNumber: 1,
      assessNumber: 1,
      pf: 1,
      satisfaction: 4,
      evalDetail: '413',
      assessTime: '2026-11-20 10:00:00',
      isdefault: '0',
      effectivEvalua: '1',
    });
    const follow = await followUp(env.server, { ...service, level: 5, comment: '后来办得很顺利' }, { apiKey: fx.keys.market });
    expect(await payloadOf(`eval:${follow.data!.submitFollowUp.id}`)).toMatchObject({ assessNumber: 2, satisfaction: 5, writingEvaluation: '后来办得很顺利' });

    const unrated = await newService(env.server, fx);
    env.server.clock.advance(8 * DAY_MS);
    expect(await recordDueDefaults(env.server.app)).toBeGreaterThanOrEqual(1);
    const defaults = await outboxRows(env.server, "topic = 'exchange.evaluation' and payload like ?", [`%${unrated.projectNo}%`]);
    expect(defaults).toHaveLength(1);
    expect(await payloadOf(defaults[0]!.record_key)).toMatchObject({ isdefault: '1', satisfaction: 3, pf: 7, assessNumber: 1 });

    await deliverAll();
    for (const key of [`svc:${serviceId}:3`, `eval:${ratingId}`, defaults[0]!.record_key]) expect((await byKey(key)).state).toBe('DELIVERED');
    // Only the deliverer opens the sealed values: the platform gets the applicant's name.
    expect(province.bodies.get(`svc:${serviceId}:3`)).toMatchObject({ recordType: 'service', userName: '欧阳娜娜', mobile: '13900001111' });
    expect(province.bodies.get(`eval:${ratingId}`)).toMatchObject({ recordType: 'evaluation', recordKey: `eval:${ratingId}`, satisfaction: 4 });
  });

  it('writes the invalidation of a rating whose appeal was upheld, and every rectification step (R18, R26)', async () => {
    const review = await badReview(env);
    const id = await caseIdOf(env, review);
    ok(await stepCase(env, 'dispatch-rectification', id, { handler: '张' }, env.tokens.market));
    ok(await stepCase(env, 'verify-rectification', id, { finding: 'UNFOUNDED' }, env.tokens.market));
    ok(await stepCase(env, 'appeal-rectification', id, { reason: '不属实' }, env.tokens.market));
    ok(await stepCase(env, 'decide-appeal', id, { decision: 'UPHELD' }, env.tokens.supervisor));
    expect(await payloadOf(`eval:${review.ratingId}:invalid`)).toMatchObject({ projectNo: review.projectNo, effectivEvalua: '0', satisfaction: 1 });
    await deliverAll();
    await deliverAll();
    const rows = await outboxRows(env.server, `${PROVINCE_WHERE} and (record_key like ? or record_key like ?)`, [`rect:${id}:%`, `eval:${review.ratingId}%`]);
    expect(rows.map((r) => r.record_key)).toEqual(
      expect.arrayContaining([`eval:${review.ratingId}`, `eval:${review.ratingId}:invalid`, `rect:${id}:1`, `rect:${id}:5`]),
    );
    expect(rows.every((r) => r.state === 'DELIVERED')).toBe(true);
  });

  it('treats 评价数据不可重复 as delivered: an earlier attempt landed (R26)', async () => {
    const service = await newService(env.server, env.fx);
    const rated = await submit(env.server, { ...service, level: 5 }, { apiKey: env.fx.keys.market });
    // The platform already holds this evaluation (stored under an attempt whose answer we never saw).
    province.services.add(`${service.projectNo}#1`);
    province.evaluations.set(`${service.projectNo}#1#1`, 'an-earlier-attempt');
    await deliverAll();
    const row = await byKey(`eval:${rated.data!.submitEvaluation.id}`);
    expect(row).toMatchObject({ state: 'DELIVERED', attempts: expect.anything() });
    expect(Number(row.attempts)).toBe(1);
    expect(province.ackedKeys.has(row.record_key)).toBe(false);
  });

  it('retries 没有对应的服务数据 later, holding back the later records of the case, and delivers once the platform has the service (R26)', async () => {
    const service = await newService(env.server, env.fx);
    await deliverAll();
    // The platform lost the service record it acknowledged.
    province.services.delete(`${service.projectNo}#1`);
    const rated = await submit(env.server, { ...service, level: 5 }, { apiKey: env.fx.keys.market });
    const second = await newService(env.server, env.fx, { projectNo: service.projectNo, serviceNumber: 2 });
    await deliverAll();
    const evaluation = await byKey(`eval:${rated.data!.submitEvaluation.id}`);
    expect(evaluation).toMatchObject({ state: 'PENDING' });
    expect(Number(evaluation.refusals)).toBe(0);
    expect(evaluation.last_error).toContain('没有对应的服务数据');
    // In order per case: the next record of the same case waits behind it, never sent.
    const next = await byKey(`svc:${await serviceIdOf(second.projectNo, 2)}:3`);
    expect(next.state).toBe('PENDING');
    expect(Number(next.attempts)).toBe(0);

    province.services.add(`${service.projectNo}#1`);
    await deliverAll();
    await deliverAll();
    expect((await byKey(evaluation.record_key)).state).toBe('DELIVERED');
    expect((await byKey(next.record_key)).state).toBe('DELIVERED');
  });

  it('marks a record poison after N refusals, shows it to administrators, and retries or discards it on request, audited (R26)', async () => {
    const admin = { token: env.tokens.admin };
    province.fixed = { status: 400, body: JSON.stringify({ code: 400, msg: '字段校验失败: taskCode' }) };
    const service = await newService(env.server, env.fx);
    const key = `svc:${await serviceIdOf(service.projectNo)}:3`;
    for (let i = 0; i < 4; i++) await deliverAll();
    const poison = await byKey(key);
    expect(poison).toMatchObject({ state: 'POISON' });
    expect(Number(poison.refusals)).toBe(3);
    const requests = province.requests;
    await deliverAll();
    expect(province.requests).toBe(requests);

    const status = await env.server.gql<{
      outboxStatus: { counts: Array<{ state: string; topic: string; count: number }>; poison: Array<{ id: number; recordKey: string; lastError: string }> };
    }>(operation('outbox-status'), {}, admin);
    expect(status.errors).toBeUndefined();
    const listed = status.data!.outboxStatus.poison.find((p) => p.recordKey === key)!;
    expect(listed.lastError).toContain('字段校验失败');
    expect(status.data!.outboxStatus.counts).toContainEqual({ state: 'POISON', topic: 'exchange.service', count: 1 });
    expect(codeOf(await env.server.gql(operation('outbox-status'), {}, { token: env.tokens.market }))).toBe('FORBIDDEN');
    expect(codeOf(await env.server.gql(operation('retry-outbox-record'), { id: listed.id }, { token: env.tokens.supervisor }))).toBe('FORBIDDEN');

    // The platform's problem fixed: an administrator sends it again.
    province.fixed = null;
    const retried = await env.server.gql<{ retryOutboxRecord: { state: string; refusals: number } }>(
      operation('retry-outbox-record'),
      { id: listed.id },
      admin,
    );
    expect(retried.data!.retryOutboxRecord).toMatchObject({ state: 'PENDING', refusals: 0 });
    await deliverAll();
    expect((await byKey(key)).state).toBe('DELIVERED');
    expect(codeOf(await env.server.gql(operation('retry-outbox-record'), { id: listed.id }, admin))).toBe('CONFLICT');

    // Another one given up on: discarded, never sent, and the case's later records go on.
    province.fixed = { status: 422, body: '记录格式错误' };
    const other = await newService(env.server, env.fx);
    const otherKey = `svc:${await serviceIdOf(other.projectNo)}:3`;
    for (let i = 0; i < 4; i++) await deliverAll();
    expect((await byKey(otherKey)).state).toBe('POISON');
    province.fixed = null;
    const rated = await submit(env.server, { ...other, level: 5 }, { apiKey: env.fx.keys.market });
    const otherId = Number((await byKey(otherKey)).id);
    const discarded = await env.server.gql<{ discardOutboxRecord: { state: string } }>(
      operation('discard-outbox-record'),
      { id: otherId, reason: '办件已撤销，省平台不再接收' },
      admin,
    );
    expect(discarded.data!.discardOutboxRecord.state).toBe('DISCARDED');
    province.services.add(`${other.projectNo}#1`);
    await deliverAll();
    expect((await byKey(`eval:${rated.data!.submitEvaluation.id}`)).state).toBe('DELIVERED');
    expect(province.ackedKeys.has(otherKey)).toBe(false);
    expect(codeOf(await env.server.gql(operation('retry-outbox-record'), { id: otherId }, admin))).toBe('CONFLICT');

    const audits = await (env.server.app.orm.em.fork() as Em).execute<Array<{ action: string; subject: string; detail: string | null }>>(
      "select action, subject, detail from audit_log where action like 'outbox.%' order by id",
    );
    expect(audits.map((a) => a.action)).toEqual(['outbox.retry', 'outbox.discard']);
    expect(audits[1]!.detail).toContain('办件已撤销');
  });

  it('retries the SMS and portal message that failed after the commit, through the same worker (R17)', async () => {
    const review = await badReview(env);
    const id = await caseIdOf(env, review);
    env.messages.failing = true;
    try {
      await toFedBack(env, id);
    } finally {
      env.messages.failing = false;
    }
    const sms = await byKey(`rect:${id}:6:sms`);
    expect(sms).toMatchObject({ state: 'PENDING' });
    expect(sms.last_error).toContain('503');
    const received = env.messages.received.length;
    await deliverAll();
    expect((await byKey(`rect:${id}:6:sms`)).state).toBe('DELIVERED');
    expect((await byKey(`rect:${id}:6:portal`)).state).toBe('DELIVERED');
    const sent = env.messages.received.slice(received).find((m) => m.idempotencyKey === `rect:${id}:6:sms`)!;
    // The sealed mobile number is opened only for the gateway.
    expect(sent.body.mobile).toBe('13812341234');
  });

  it('keeps provincial records waiting while PROVINCE_URL is unset (R26)', async () => {
    const idle = new OutboxWorker(env.server.app, { owner: 'no-province', province: null });
    expect(idle.topics()).not.toContain('exchange.evaluation');
    const service = await newService(env.server, env.fx);
    const key = `svc:${await serviceIdOf(service.projectNo)}:3`;
    await idle.drain();
    expect(await byKey(key)).toMatchObject({ state: 'PENDING' });
    expect(Number((await byKey(key)).attempts)).toBe(0);
    await deliverAll();
    expect((await byKey(key)).state).toBe('DELIVERED');
  });

  it('never lets two workers send the same record, even claiming at the same moment (R26)', async () => {
    await deliverAll();
    for (let i = 0; i < 30; i++) await newService(env.server, env.fx);
    const pending = await outboxRows(env.server, `${PROVINCE_WHERE} and state = 'PENDING'`);
    expect(pending.length).toBeGreaterThanOrEqual(30);
    const before = province.requests;
    const workers = [new OutboxWorker(env.server.app, { owner: 'w1' }), new OutboxWorker(env.server.app, { owner: 'w2' })];
    await Promise.all([...workers, ...workers].map((w) => w.drain()));
    console.log(
      `[R26 two workers, ${env.server.app.dialect}] records ${pending.length}, requests ${province.requests - before}, duplicates after an acknowledgement ${province.duplicates}`,
    );
    expect(province.requests - before).toBe(pending.length);
    expect(province.duplicates).toBe(0);
    expect(await outboxRows(env.server, `${PROVINCE_WHERE} and state <> 'DELIVERED' and state <> 'DISCARDED'`)).toHaveLength(0);
  });
});
