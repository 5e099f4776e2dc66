import type { GroupBy, RectRules } from './settings.logic.js';
import { scopeKey } from '../common/scope-key.js';

/**
 * Common problems (R20): bad reviews concentrated on one item (事项) or one department within a window
 * of days are grouped into a problem record, which must be closed too (双归零: the cases and the problem).
 */
export interface ProblemKey {
  groupBy: GroupBy;
  key: string;
  itemId: number | null;
  departmentId: number;
}

/** The groupings a new case is checked against, in the order of the setting (the first that fires wins). */
export function problemKeys(c: { itemId: number; departmentId: number; itemDepartmentId: number }, rules: RectRules): ProblemKey[] {
  return rules.problem.groupBy.map((groupBy) =>
    groupBy === 'ITEM'
      ? { groupBy, key: scopeKey.item(c.itemId), itemId: c.itemId, departmentId: c.itemDepartmentId }
      : { groupBy, key: scopeKey.department(c.departmentId), itemId: null, departmentId: c.departmentId },
  );
}

/** The start of the counting window for a case opened at `now`. */
export function windowStart(now: number, rules: RectRules): number {
  return now - rules.problem.windowDays * 86_400_000;
}

/** Whether `count` valid cases in the window (the new one included) make a common problem. */
export function isConcentrated(count: number, rules: RectRules): boolean {
  return count >= rules.problem.threshold;
}

export const PROBLEM_STATES = ['OPEN', 'ANALYSED', 'CLOSED'] as const;
export type ProblemState = (typeof PROBLEM_STATES)[number];

/** A problem closes only when every one of its cases is closed or invalidated (双归零). */
export function canCloseProblem(state: ProblemState, caseStates: readonly string[]): string | null {
  if (state !== 'ANALYSED') return state === 'CLOSED' ? 'the problem is already closed' : 'record the cause and the measures first (analyse)';
  const open = caseStates.filter((s) => s !== 'CLOSED' && s !== 'INVALIDATED').length;
  return open > 0 ? `${open} of its cases are not closed yet (双归零: cases and problem both reach zero)` : null;
}
