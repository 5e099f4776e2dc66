import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTRICT_B } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf } from '../../support/server.js';
import { badReview, caseDetail, caseIdOf, ok, rectEnv, stepCase, toFedBack, type RectEnv } from './rect-support.js';
import { expectRectRollupExact } from './rect-support.js';

let env: RectEnv;

beforeAll(async () => {
  env = await rectEnv();
});
afterAll(() => env.close());

interface Problem {
  id: number;
  groupBy: string;
  itemName: string | null;
  departmentName: string;
  state: string;
  caseCount: number;
  openCases: number;
}
const problems = async (token: string) =>
  (await env.server.gql<{ commonProblems: Problem[] }>(operation('common-problems'), {}, { token })).data!.commonProblems;
const ANALYSE = 'mutation ($id: Int!) { analyseCommonProblem(id: $id, cause: "窗口人员业务培训不足", measures: "全员轮训并设立首问负责") { state } }';
const CLOSE = 'mutation ($id: Int!) { closeCommonProblem(id: $id, note: "问题已整改到位") { state openCases } }';

describe('common problems (R20)', () => {
  it('groups bad reviews concentrated on one item into a problem once the threshold is reached (R20)', async () => {
    const ids = [await caseIdOf(env, await badReview(env)), await caseIdOf(env, await badReview(env))];
    expect(await problems(env.tokens.market)).toEqual([]);
    ids.push(await caseIdOf(env, await badReview(env)));
    const [problem] = await problems(env.tokens.market);
    expect(problem).toMatchObject({
      groupBy: 'ITEM',
      itemName: '个体工商户设立登记',
      departmentName: '东城区市场监督管理局',
      state: 'OPEN',
      caseCount: 3,
      openCases: 3,
    });
    for (const id of ids) expect((await caseDetail(env, id, env.tokens.market)).problemId).toBe(problem!.id);
    // A fourth joins the open problem.
    const fourth = await caseIdOf(env, await badReview(env));
    expect((await caseDetail(env, fourth, env.tokens.market)).problemId).toBe(problem!.id);
    expect(await problems(env.tokens.police)).toEqual([]);
  });

  it('closes a problem only when its cause is recorded and every case is closed (双归零, R20)', async () => {
    const [problem] = await problems(env.tokens.market);
    const id = problem!.id;
    expect(codeOf(await env.server.gql(CLOSE, { id }, { token: env.tokens.market }))).toBe('ILLEGAL_TRANSITION');
    expect(
      (await env.server.gql<{ analyseCommonProblem: { state: string } }>(ANALYSE, { id }, { token: env.tokens.market })).data!.analyseCommonProblem.state,
    ).toBe('ANALYSED');
    const refused = await env.server.gql(CLOSE, { id }, { token: env.tokens.market });
    expect(codeOf(refused)).toBe('ILLEGAL_TRANSITION');
    expect(refused.errors![0]!.message).toContain('双归零');
    const cases = (
      await env.server.gql<{ rectificationCases: { items: Array<{ id: number }> } }>(
        operation('rectification-queue'),
        { filter: { problemId: id } },
        { token: env.tokens.market },
      )
    ).data!.rectificationCases.items;
    expect(cases).toHaveLength(4);
    for (const { id: caseId } of cases) {
      await toFedBack(env, caseId);
      ok(await stepCase(env, 'record-callback', caseId, { reached: true, satisfaction: 5 }, env.tokens.hotline));
      ok(await stepCase(env, 'close-rectification', caseId, null, env.tokens.market));
    }
    const closed = await env.server.gql<{ closeCommonProblem: { state: string; openCases: number } }>(CLOSE, { id }, { token: env.tokens.market });
    expect(closed.data!.closeCommonProblem).toEqual({ state: 'CLOSED', openCases: 0 });
    // The next concentration opens a new problem.
    for (let i = 0; i < 3; i++) await badReview(env);
    expect((await problems(env.tokens.market)).filter((p) => p.state === 'OPEN')).toHaveLength(1);
  });

  it('follows the grouping setting of the region (R20)', async () => {
    const { fx } = env;
    const set = (k: string, v: string) =>
      env.server.gql(
        'mutation ($r: String!, $k: String!, $v: String) { setRectificationSetting(regionCode: $r, key: $k, value: $v) { key } }',
        { r: DISTRICT_B, k, v },
        { token: env.tokens.supervisor },
      );
    expect((await set('problem.threshold', '2')).errors).toBeUndefined();
    expect((await set('problem.groupBy', 'department')).errors).toBeUndefined();
    const spec = { deptCode: fx.departments.social.creditCode, taskCode: fx.items.pension.taskCode, key: fx.keys.social };
    await badReview(env, spec);
    expect(await problems(env.tokens.districtSupervisor)).toEqual([]);
    await badReview(env, spec);
    const [problem] = await problems(env.tokens.districtSupervisor);
    expect(problem).toMatchObject({ groupBy: 'DEPARTMENT', itemName: null, departmentName: '西城区人力资源和社会保障局', caseCount: 2 });
  });
});

describe('assessment counters (R19, R22)', () => {
  it('equal a recount from the cases after everything above', async () => {
    await expectRectRollupExact(env);
  });
});
