import { describe, expect, it } from 'vitest';
import { workCalendar } from '../../../server/src/rectification/calendar.logic.js';
import { contributionOf, figuresFrom, rectRollupDeltas, rectScopesOf } from '../../../server/src/rectification/figures.logic.js';
import { applyAction, openCase, type Command, type RectCaseState } from '../../../server/src/rectification/rectification.logic.js';
import { resolveRules, validateSetting } from '../../../server/src/rectification/settings.logic.js';
import { toRectificationRecord } from '../../../server/src/rectification/record.logic.js';

const { rules } = resolveRules(['410000000000'], []);
const calendar = workCalendar([]);
const T = new Date('2026-11-20T10:00:00+08:00').getTime();
const scope = { departmentPath: '/1/2/', regionCode: '419901000000' };

function walk(cmds: Command[]): RectCaseState[] {
  const out = [openCase(1, T, { rules, calendar })];
  for (const [i, cmd] of cmds.entries())
    out.push({ ...out[out.length - 1]!, ...applyAction(out[out.length - 1]!, cmd, { now: T + (i + 1) * 3_600_000, rules, calendar }).patch });
  return out;
}

const FULL: Command[] = [
  { action: 'DISPATCH', handler: '王' },
  { action: 'VERIFY', finding: 'FOUNDED' },
  { action: 'CLASSIFY', rectClass: 'SIMPLE' },
  { action: 'RECTIFY', content: '已整改' },
  { action: 'FEED_BACK', reply: '已整改' },
  { action: 'CALL_BACK', reached: true, satisfaction: 4 },
  { action: 'CLOSE' },
];

describe('rectification figures (R19, R22)', () => {
  it('counts a case in the total, each region up from its own and each department up from its own', () => {
    expect(rectScopesOf(scope)).toEqual(['T', 'R:410000000000', 'R:419900000000', 'R:419901000000', 'D:1', 'D:2']);
  });

  it('keeps the counters equal to the contribution of the final state, step by step', () => {
    const states = walk(FULL);
    const sum = new Map<string, number>();
    for (let i = 0; i < states.length; i++) {
      for (const d of rectRollupDeltas(scope, T, i === 0 ? null : states[i - 1]!, states[i]!)) {
        if (d.scope === 'D:2' && d.grain === 'A') sum.set(d.metric, (sum.get(d.metric) ?? 0) + d.n);
      }
    }
    const final = contributionOf(states[states.length - 1]!);
    for (const [metric, n] of sum) expect(n, metric).toBe(final[metric as keyof typeof final] ?? 0);
    expect(final).toMatchObject({
      cases: 1,
      closed: 1,
      rectified: 1,
      onTime: 1,
      calledBack: 1,
      callbackSatisfied: 1,
      rerated: 1,
      levelBeforeSum: 1,
      levelAfterSum: 4,
    });
    expect(final.open).toBeUndefined();
  });

  it('takes an invalidated case out of every figure but the invalidated count (R18)', () => {
    const states = walk([
      { action: 'DISPATCH', handler: '王' },
      { action: 'VERIFY', finding: 'FOUNDED' },
      { action: 'APPEAL', reason: '不实', by: 'u' },
      { action: 'DECIDE_APPEAL', decision: 'UPHELD', by: 's' },
    ]);
    const deltas = rectRollupDeltas(scope, T, states[3]!, states[4]!).filter((d) => d.scope === 'T' && d.grain === 'A');
    expect(Object.fromEntries(deltas.map((d) => [d.metric, d.n]))).toEqual({ cases: -1, open: -1, appealed: -1, invalidated: 1 });
  });

  it('computes the four assessment rates and the recovery from exact counts', () => {
    const f = figuresFrom({
      cases: 4,
      rectified: 3,
      onTime: 2,
      calledBack: 2,
      callbackRated: 2,
      callbackSatisfied: 1,
      rerated: 2,
      reratedGood: 1,
      levelBeforeSum: 3,
      levelAfterSum: 7,
    });
    expect(f).toMatchObject({
      rectificationRate: 0.75,
      onTimeRate: 2 / 3,
      callbackRate: 0.5,
      callbackSatisfactionRate: 0.5,
      averageLevelBefore: 1.5,
      averageLevelAfter: 3.5,
      recoveredRate: 0.5,
    });
    expect(figuresFrom({}).rectificationRate).toBeNull();
  });

  it('writes the provincial record in the layout of docs/exchange.md, without personal data (R17)', () => {
    const states = walk(FULL.slice(0, 5));
    const record = toRectificationRecord(states[5]!, 'FEED_BACK', T + 5 * 3_600_000, {
      caseId: 7,
      seq: 6,
      projectNo: 'BJ1',
      serviceNumber: 1,
      assessNumber: 1,
      ratedAt: T,
      deptCode: '11419900MB0000001X',
      deptName: '某局',
      areaCode: '419900000000',
      taskCode: 'T1',
      ratingValid: true,
    });
    expect(record).toMatchObject({
      recordId: '7-6',
      projectNo: 'BJ1',
      satisfaction: 1,
      assessTime: '2026-11-20 10:00:00',
      effectivEvalua: '1',
      isTrue: '1',
      isMalicious: '0',
      handleGrade: '1',
      rectification: '已整改',
      answer: '已整改',
      answerStatus: '1',
      deadline: '2026-12-05 23:59:59',
      status: 'FED_BACK',
      statusName: '待回访',
    });
    expect(JSON.stringify(record)).not.toMatch(/张|138/);
  });

  it('validates settings with messages that say what was expected', () => {
    expect(() => validateSetting('clock.rectify.GENERAL', '15 days')).toThrow(/15N or 1W/);
    expect(() => validateSetting('problem.groupBy', 'STAFF')).toThrow(/ITEM, DEPARTMENT/);
    expect(() => validateSetting('no.such', '1')).toThrow(/one of/);
    expect(() => validateSetting('clock.callback', '1W')).not.toThrow();
  });
});
