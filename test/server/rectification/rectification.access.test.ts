import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Em } from '../../../server/src/db/orm.js';
import { countRows } from '../../support/rollups.js';
import { operation } from '../../support/operations.js';
import { codeOf } from '../../support/server.js';
import { badReview, caseDetail, caseIdOf, casesOf, ok, rectEnv, stepCase, toFedBack, type RectEnv } from './rect-support.js';
import { expectRectRollupExact } from './rect-support.js';

let env: RectEnv;
let marketCase: number;
let passportCase: number;

beforeAll(async () => {
  env = await rectEnv();
  marketCase = await caseIdOf(env, await badReview(env));
  // A bad review of the exit-entry unit (a sub-unit of the police).
  const { fx } = env;
  const passport = await badReview(env, { deptCode: fx.departments.exitEntry.creditCode, taskCode: fx.items.passport.taskCode, key: fx.keys.police });
  passportCase = await caseIdOf(env, passport, env.tokens.exitEntry);
});
afterAll(() => env.close());

const contact = (caseId: number, token: string) =>
  env.server.gql<{ raterContact: { name: string; mobile: string } }>(operation('rater-contact'), { caseId }, { token });

describe('who sees which cases (R12, R15)', () => {
  it("shows a department only its own cases and its units' (department path prefix)", async () => {
    const queue = async (token: string) =>
      (
        await env.server.gql<{ rectificationCases: { items: Array<{ id: number }> } }>(operation('rectification-queue'), {}, { token })
      ).data!.rectificationCases.items.map((c) => c.id);
    expect(await queue(env.tokens.market)).toEqual([marketCase]);
    expect(await queue(env.tokens.police)).toEqual([passportCase]);
    expect(await queue(env.tokens.exitEntry)).toEqual([passportCase]);
    expect((await queue(env.tokens.supervisor)).sort()).toEqual([marketCase, passportCase].sort());
    // The 西城区 supervisor oversees neither.
    expect(await queue(env.tokens.districtSupervisor)).toEqual([]);
  });

  it("answers NOT_FOUND for another department's case, and lets it take no step", async () => {
    const res = await env.server.gql(operation('rectification-case'), { id: marketCase }, { token: env.tokens.police });
    expect(codeOf(res)).toBe('NOT_FOUND');
    expect(codeOf(await stepCase(env, 'dispatch-rectification', marketCase, { handler: '越权' }, env.tokens.police))).toBe('NOT_FOUND');
    expect((await caseDetail(env, marketCase, env.tokens.market)).state).toBe('OPENED');
  });

  it('admits each action only to its roles (R15)', async () => {
    expect(codeOf(await stepCase(env, 'dispatch-rectification', marketCase, { handler: '话务员' }, env.tokens.hotline))).toBe('FORBIDDEN');
    expect(codeOf(await stepCase(env, 'verify-rectification', marketCase, { finding: 'FOUNDED' }, env.tokens.supervisor))).toBe('FORBIDDEN');
    expect(codeOf(await env.server.gql(operation('rectification-queue'), {}))).toBe('UNAUTHENTICATED');
    expect(codeOf(await env.server.gql(operation('rectification-queue'), {}, { apiKey: env.fx.keys.market }))).toBe('FORBIDDEN');
  });

  it("dispatches only within the responsible department's units", async () => {
    const { fx } = env;
    const res = await stepCase(env, 'dispatch-rectification', marketCase, { handler: '王', departmentId: fx.departments.police.id }, env.tokens.market);
    expect(codeOf(res)).toBe('FORBIDDEN');
    const police = await badReview(env, { deptCode: fx.departments.police.creditCode, taskCode: fx.items.idCard.taskCode, key: fx.keys.police });
    const id = await caseIdOf(env, police, env.tokens.police);
    expect(await casesOf(env, police.projectNo, env.tokens.exitEntry)).toEqual([]);
    ok(await stepCase(env, 'dispatch-rectification', id, { handler: '出入境李科长', departmentId: fx.departments.exitEntry.id }, env.tokens.police));
    // Now the unit it was dispatched to sees it and can verify it.
    expect((await casesOf(env, police.projectNo, env.tokens.exitEntry)).map((c) => c.id)).toEqual([id]);
    ok(await stepCase(env, 'verify-rectification', id, { finding: 'UNFOUNDED' }, env.tokens.exitEntry));
  });

  it('hides the rater from the rated department and masks it for the supervisor (R12)', async () => {
    expect((await caseDetail(env, marketCase, env.tokens.market)).rating).toMatchObject({ raterName: null, raterMobile: null });
    expect((await caseDetail(env, marketCase, env.tokens.supervisor)).rating).toMatchObject({ raterName: '张*三', raterMobile: '138****1234' });
  });

  it("shows the rater's contact data only to the callback handler while the callback is due, and audits each view (R12)", async () => {
    const id = await caseIdOf(env, await badReview(env, { userName: '李四海', mobile: '13900001111' }));
    expect(codeOf(await contact(id, env.tokens.hotline))).toBe('FORBIDDEN'); // not yet due
    await toFedBack(env, id);
    expect(codeOf(await contact(id, env.tokens.market))).toBe('FORBIDDEN');
    expect(codeOf(await contact(id, env.tokens.supervisor))).toBe('FORBIDDEN');
    const audited = await countRows(env.server.app, 'audit_log', 'subject = ?', [`rect_case:${id}`]);
    expect(audited).toBe(0);
    const seen = await contact(id, env.tokens.hotline);
    expect(seen.data?.raterContact).toEqual({ caseId: id, name: '李四海', mobile: '13900001111' });
    await contact(id, env.tokens.hotline);
    const rows = await (env.server.app.orm.em.fork() as Em).execute<Array<{ actor: string; action: string; detail: string }>>(
      'select actor, action, detail from audit_log where subject = ? order by id',
      [`rect_case:${id}`],
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ action: 'rater-contact.view' });
    expect(rows[0]!.actor).toMatch(/^user:\d+$/);
    expect(JSON.stringify(rows)).not.toContain('13900001111');
    // After the callback the contact data is no longer shown.
    ok(await stepCase(env, 'record-callback', id, { reached: true, satisfaction: 5 }, env.tokens.hotline));
    expect(codeOf(await contact(id, env.tokens.hotline))).toBe('FORBIDDEN');
  });

  it('answers DATA_INTEGRITY for a sealed value changed behind our back, shows nothing and records it (R12, 完整性)', async () => {
    const id = await caseIdOf(env, await badReview(env, { userName: '王五', mobile: '13900002222' }));
    await toFedBack(env, id);
    const em = env.server.app.orm.em.fork() as Em;
    const [row] = await em.execute<Array<{ rating_id: number }>>('select rating_id from rect_case where id = ?', [id]);
    const [sealed] = await em.execute<Array<{ rater_mobile_sealed: string }>>('select rater_mobile_sealed from rating where id = ?', [row!.rating_id]);
    const parts = sealed!.rater_mobile_sealed.split('.');
    const body = parts[4]!;
    parts[4] = (body[0] === 'A' ? 'B' : 'A') + body.slice(1);
    await em.execute('update rating set rater_mobile_sealed = ? where id = ?', [parts.join('.'), row!.rating_id]);
    const res = await contact(id, env.tokens.hotline);
    expect(codeOf(res)).toBe('DATA_INTEGRITY');
    expect(JSON.stringify(res)).not.toContain('13900002222');
    const audit = await em.execute<Array<{ action: string; outcome: string }>>('select action, outcome from audit_log where subject = ? order by id', [
      `rect_case:${id}`,
    ]);
    expect(audit.map((a) => `${a.action} ${a.outcome}`)).toEqual(['rater-contact.view ok', 'integrity.failure failed']);
  });

  it('shows a department exact figures of its own, and of another department only what the public sees (R12, R21)', async () => {
    const q = (departmentId: number, token?: string) => env.server.gql(operation('rectification-figures'), { departmentId }, token ? { token } : {});
    const other = await q(env.fx.departments.police.id, env.tokens.market);
    expect(other.errors).toBeUndefined();
    expect(other.data).toEqual((await q(env.fx.departments.police.id)).data);
    expect((await q(env.fx.departments.market.id, env.tokens.market)).errors).toBeUndefined();
  });
});

describe('assessment counters (R19, R22)', () => {
  it('equal a recount from the cases after everything above', async () => {
    await expectRectRollupExact(env);
  });
});
