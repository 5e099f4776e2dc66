import { IllegalTransitionError, InvalidInputError } from '../common/errors.js';
import { deadlineAfter, endOfEpochDay, epochDayFromYmd, epochDayOf, resumeDeadline, type DayUnit, type Limit, type WorkCalendar } from './calendar.logic.js';
import type { RectClass, RectRules } from './settings.logic.js';

/**
 * The rectification state machine (R13–R18): one action per mutation, each recorded. Pure: the service
 * loads the case, calls `applyAction`, stores the patch and the step in one transaction.
 *
 *   OPENED ─dispatch→ DISPATCHED ─verify→ VERIFIED ─classify→ CLASSIFIED ─rectify→ RECTIFIED
 *     ─feed back→ FED_BACK ─call back→ CALLED_BACK ─close→ CLOSED
 *   VERIFIED (unfounded, explained) ─feed back→ FED_BACK
 *   VERIFIED | CLASSIFIED ─appeal→ APPEALED ─decide: upheld / malicious→ INVALIDATED
 *                                          ─decide: rejected→ back (clocks resume; a "malicious" finding is re-verified)
 */
export const STATES = ['OPENED', 'DISPATCHED', 'VERIFIED', 'CLASSIFIED', 'RECTIFIED', 'FED_BACK', 'CALLED_BACK', 'CLOSED', 'APPEALED', 'INVALIDATED'] as const;
export type RectState = (typeof STATES)[number];

export const ACTIONS = [
  'OPEN',
  'DISPATCH',
  'VERIFY',
  'CLASSIFY',
  'RECTIFY',
  'FEED_BACK',
  'CALL_BACK',
  'CLOSE',
  'APPEAL',
  'DECIDE_APPEAL',
  'EXTEND',
  'ESCALATE',
  'INVALIDATE',
  'RERATE',
] as const;
export type RectAction = (typeof ACTIONS)[number];

export const FINDINGS = ['FOUNDED', 'UNFOUNDED', 'MALICIOUS'] as const;
export type Finding = (typeof FINDINGS)[number];
export const CLASSES: readonly RectClass[] = ['SIMPLE', 'GENERAL', 'COMPLEX'];
export const DECISIONS = ['UPHELD', 'MALICIOUS', 'REJECTED'] as const;
export type AppealDecision = (typeof DECISIONS)[number];

/** Chinese names as the workspace shows them. */
export const STATE_NAMES: Record<RectState, string> = {
  OPENED: '待转办',
  DISPATCHED: '待核实',
  VERIFIED: '已核实',
  CLASSIFIED: '整改中',
  RECTIFIED: '已整改',
  FED_BACK: '待回访',
  CALLED_BACK: '已回访',
  CLOSED: '已办结',
  APPEALED: '申诉中',
  INVALIDATED: '已作废',
};
export const ACTION_NAMES: Record<RectAction, string> = {
  OPEN: '启动',
  DISPATCH: '转办',
  VERIFY: '核实',
  CLASSIFY: '定性',
  RECTIFY: '整改',
  FEED_BACK: '反馈',
  CALL_BACK: '回访',
  CLOSE: '办结',
  APPEAL: '申诉',
  DECIDE_APPEAL: '申诉复核',
  EXTEND: '延期',
  ESCALATE: '超期督办',
  INVALIDATE: '作废',
  RERATE: '再评价',
};

const TERMINAL: readonly RectState[] = ['CLOSED', 'INVALIDATED'];
const OPEN_STATES: readonly RectState[] = STATES.filter((s) => !TERMINAL.includes(s) && s !== 'APPEALED');

/** Which roles may take each action; `system` actions are taken by the job or by another case. */
export const ACTION_ROLES: Record<RectAction, readonly string[]> = {
  OPEN: ['system'],
  DISPATCH: ['department', 'supervisor'],
  VERIFY: ['department'],
  CLASSIFY: ['department'],
  RECTIFY: ['department'],
  FEED_BACK: ['department'],
  CALL_BACK: ['hotline'],
  CLOSE: ['department', 'supervisor'],
  APPEAL: ['department'],
  DECIDE_APPEAL: ['supervisor'],
  EXTEND: ['department'],
  ESCALATE: ['system'],
  INVALIDATE: ['system'],
  RERATE: ['rater'],
};

const FROM: Record<RectAction, readonly RectState[]> = {
  OPEN: [],
  DISPATCH: ['OPENED', 'DISPATCHED'],
  VERIFY: ['DISPATCHED'],
  CLASSIFY: ['VERIFIED'],
  RECTIFY: ['CLASSIFIED'],
  FEED_BACK: ['RECTIFIED', 'VERIFIED'],
  CALL_BACK: ['FED_BACK'],
  CLOSE: ['CALLED_BACK'],
  APPEAL: ['VERIFIED', 'CLASSIFIED'],
  DECIDE_APPEAL: ['APPEALED'],
  EXTEND: ['OPENED', 'DISPATCHED', 'VERIFIED', 'CLASSIFIED'],
  ESCALATE: OPEN_STATES,
  INVALIDATE: STATES.filter((s) => s !== 'INVALIDATED'),
  RERATE: ['FED_BACK', 'CALLED_BACK', 'CLOSED'],
};

/** Whether a case in `state` takes `action` at all (before the guards of the particular case). */
export function stateTakes(state: RectState, action: RectAction): boolean {
  return FROM[action].includes(state);
}

/** The fields of a case that the rules read and write (the entity has these and more). */
export interface RectCaseState {
  state: RectState;
  level: number;
  finding: Finding | null;
  reasonable: boolean | null;
  rectClass: RectClass | null;
  openedAt: number;
  stageDueAt: number | null;
  stageUnit: DayUnit | null;
  rectifyDueAt: number;
  rectifyUnit: DayUnit;
  extendedTo: number | null;
  extensions: number;
  extensionReason: string | null;
  /** The deadline now in force (earliest of stage and rectification); null when paused or finished. */
  dueAt: number | null;
  pausedAt: number | null;
  stateBeforeAppeal: RectState | null;
  appealedAt: number | null;
  appealReason: string | null;
  appealBy: string | null;
  appealDecision: AppealDecision | null;
  appealDecidedAt: number | null;
  appealDecidedBy: string | null;
  appealNote: string | null;
  handler: string | null;
  proposedHandling: string | null;
  leaderInstruction: string | null;
  content: string | null;
  reply: string | null;
  resolvedAt: number | null;
  onTime: boolean | null;
  callbackAttempts: number;
  callbackReached: boolean | null;
  callbackSatisfaction: number | null;
  calledBackAt: number | null;
  rerateLevel: number | null;
  rerateChannel: string | null;
  reratedAt: number | null;
  closedAt: number | null;
  overdue: boolean;
  everOverdue: boolean;
  escalationLevel: number;
  escalatedAt: number | null;
  escalatedDueAt: number | null;
  invalidReason: string | null;
}

export type Command =
  | { action: 'DISPATCH'; handler: string }
  | { action: 'VERIFY'; finding: Finding; reasonable?: boolean | null }
  | { action: 'CLASSIFY'; rectClass: RectClass; proposedHandling?: string | null; leaderInstruction?: string | null }
  | { action: 'RECTIFY'; content: string }
  | { action: 'FEED_BACK'; reply: string }
  | { action: 'CALL_BACK'; reached: boolean; satisfaction?: number | null }
  | { action: 'CLOSE' }
  | { action: 'APPEAL'; reason: string; by: string }
  | { action: 'DECIDE_APPEAL'; decision: AppealDecision; by: string }
  | { action: 'EXTEND'; newDay: number; reason: string }
  | { action: 'ESCALATE' }
  | { action: 'INVALIDATE'; reason: string }
  | { action: 'RERATE'; level: number; channel: string };

export interface RuleContext {
  now: number;
  rules: RectRules;
  calendar: WorkCalendar;
}

export interface Outcome {
  from: RectState;
  to: RectState;
  patch: Partial<RectCaseState>;
  /** Effects the service carries out in the same transaction. */
  invalidateRating: 'APPEAL_UPHELD' | 'MALICIOUS' | null;
}

/** Why an action is not allowed now, or null when it is (the state is checked by the caller). */
function guard(c: RectCaseState, action: RectAction, ctx: { now: number; rules: RectRules }): string | null {
  switch (action) {
    case 'CLASSIFY':
      return c.finding === 'FOUNDED' ? null : `only a founded review is classified; this one was found ${c.finding}`;
    case 'FEED_BACK':
      if (c.state === 'VERIFIED' && c.finding !== 'UNFOUNDED') {
        return c.finding === 'MALICIOUS'
          ? 'a review suspected to be malicious goes to appeal'
          : 'a founded review is classified and rectified before the reply';
      }
      return null;
    case 'APPEAL':
      if (c.appealedAt !== null) return 'a case is appealed at most once';
      return null;
    case 'EXTEND':
      if (c.extensions >= ctx.rules.extensionMax) return `at most ${ctx.rules.extensionMax} extension(s) per case`;
      if (ctx.now >= c.rectifyDueAt) return 'the rectification deadline has already passed';
      return null;
    case 'ESCALATE':
      if (c.dueAt === null || ctx.now < c.dueAt) return 'the case is not overdue';
      if (c.escalatedDueAt === c.dueAt) return 'this deadline has already been escalated';
      return null;
    case 'RERATE':
      return c.rerateChannel === 'SELF' ? 'the fix has already been rated by the rater' : null;
    case 'CLOSE':
    case 'DISPATCH':
    case 'VERIFY':
    case 'RECTIFY':
    case 'CALL_BACK':
    case 'DECIDE_APPEAL':
    case 'INVALIDATE':
    case 'OPEN':
      return null;
  }
}

/** A suspected-malicious finding leaves only the appeal (and an extension) open. */
function blockedByFinding(c: RectCaseState, action: RectAction): boolean {
  return c.state === 'VERIFIED' && c.finding === 'MALICIOUS' && !['APPEAL', 'EXTEND', 'ESCALATE', 'INVALIDATE'].includes(action);
}

/** The actions legal now, optionally only those a role may take (for the workspace's buttons). */
export function allowedActions(c: RectCaseState, ctx: { now: number; rules: RectRules }, role?: string): RectAction[] {
  return ACTIONS.filter(
    (a) => FROM[a].includes(c.state) && !blockedByFinding(c, a) && guard(c, a, ctx) === null && (role === undefined || ACTION_ROLES[a].includes(role)),
  );
}

/** Throws IllegalTransitionError (nothing changes) unless the action is legal in the case's state. */
export function assertAllowed(c: RectCaseState, action: RectAction, ctx: { now: number; rules: RectRules }): void {
  const allowed = () => allowedActions(c, ctx).filter((a) => !['ESCALATE', 'INVALIDATE', 'OPEN'].includes(a));
  if (!FROM[action].includes(c.state)) throw IllegalTransitionError.from(action, c.state, allowed());
  if (blockedByFinding(c, action)) throw IllegalTransitionError.from(action, c.state, allowed(), 'the review is suspected to be malicious: appeal first');
  const why = guard(c, action, ctx);
  if (why) throw IllegalTransitionError.from(action, c.state, allowed(), why);
}

/** A new case of a bad review of `level` opened at `openedAt` (R13), with its first clocks. */
export function openCase(level: number, openedAt: number, ctx: Omit<RuleContext, 'now'>): RectCaseState {
  const stage = ctx.rules.clocks.dispatch;
  const rectify = ctx.rules.clocks.rectify.GENERAL;
  const stageDueAt = deadlineAfter(openedAt, stage, ctx.calendar);
  const rectifyDueAt = deadlineAfter(openedAt, rectify, ctx.calendar);
  return {
    state: 'OPENED',
    level,
    finding: null,
    reasonable: null,
    rectClass: null,
    openedAt,
    stageDueAt,
    stageUnit: stage.unit,
    rectifyDueAt,
    rectifyUnit: rectify.unit,
    extendedTo: null,
    extensions: 0,
    extensionReason: null,
    dueAt: Math.min(stageDueAt, rectifyDueAt),
    pausedAt: null,
    stateBeforeAppeal: null,
    appealedAt: null,
    appealReason: null,
    appealBy: null,
    appealDecision: null,
    appealDecidedAt: null,
    appealDecidedBy: null,
    appealNote: null,
    handler: null,
    proposedHandling: null,
    leaderInstruction: null,
    content: null,
    reply: null,
    resolvedAt: null,
    onTime: null,
    callbackAttempts: 0,
    callbackReached: null,
    callbackSatisfaction: null,
    calledBackAt: null,
    rerateLevel: null,
    rerateChannel: null,
    reratedAt: null,
    closedAt: null,
    overdue: false,
    everOverdue: false,
    escalationLevel: 0,
    escalatedAt: null,
    escalatedDueAt: null,
    invalidReason: null,
  };
}

/** Applies one action: validates it, moves the state, recomputes the clocks. Throws and changes nothing when illegal. */
export function applyAction(c: RectCaseState, cmd: Command, ctx: RuleContext): Outcome {
  assertAllowed(c, cmd.action, ctx);
  if (cmd.action === 'VERIFY' && cmd.finding === 'MALICIOUS' && c.appealedAt !== null) {
    // Otherwise the case would wait for an appeal that can no longer be made.
    throw IllegalTransitionError.from('VERIFY', c.state, ['VERIFY'], 'a supervisor already ruled on an appeal of this case: verify it as founded or unfounded');
  }
  validateCommand(cmd, ctx.now);
  const { now, rules, calendar } = ctx;
  const patch: Partial<RectCaseState> = {};
  let to: RectState = c.state;
  let invalidateRating: Outcome['invalidateRating'] = null;
  const stageClock = (limit: Limit) => {
    patch.stageDueAt = deadlineAfter(now, limit, calendar);
    patch.stageUnit = limit.unit;
  };
  const resolve = () => {
    patch.resolvedAt = now;
    patch.onTime = now < c.rectifyDueAt;
  };

  switch (cmd.action) {
    case 'DISPATCH':
      to = 'DISPATCHED';
      patch.handler = cmd.handler.trim();
      // Re-dispatching (wrong unit) keeps the running verification clock: it must not buy time.
      if (c.state === 'OPENED') stageClock(rules.clocks.verify);
      break;
    case 'VERIFY':
      to = 'VERIFIED';
      patch.finding = cmd.finding;
      patch.reasonable = cmd.reasonable ?? null;
      stageClock(rules.clocks.classify);
      break;
    case 'CLASSIFY': {
      to = 'CLASSIFIED';
      patch.rectClass = cmd.rectClass;
      patch.proposedHandling = cmd.proposedHandling?.trim() || null;
      patch.leaderInstruction = cmd.leaderInstruction?.trim() || null;
      patch.stageDueAt = null;
      patch.stageUnit = null;
      const limit = rules.clocks.rectify[cmd.rectClass];
      patch.rectifyDueAt = c.extendedTo ?? rectifyDeadline(c, limit, calendar);
      patch.rectifyUnit = limit.unit;
      break;
    }
    case 'RECTIFY':
      to = 'RECTIFIED';
      patch.content = cmd.content.trim();
      resolve();
      stageClock(rules.clocks.feedback);
      break;
    case 'FEED_BACK':
      to = 'FED_BACK';
      patch.reply = cmd.reply.trim();
      if (c.state === 'VERIFIED') resolve();
      stageClock(rules.clocks.callback);
      break;
    case 'CALL_BACK': {
      const attempts = c.callbackAttempts + 1;
      patch.callbackAttempts = attempts;
      if (cmd.reached || attempts >= rules.callbackMaxAttempts) {
        to = 'CALLED_BACK';
        patch.callbackReached = cmd.reached;
        patch.callbackSatisfaction = cmd.reached ? cmd.satisfaction! : null;
        patch.calledBackAt = now;
        stageClock(rules.clocks.close);
      }
      break;
    }
    case 'CLOSE':
      to = 'CLOSED';
      patch.closedAt = now;
      patch.stageDueAt = null;
      patch.stageUnit = null;
      break;
    case 'APPEAL':
      to = 'APPEALED';
      patch.stateBeforeAppeal = c.state;
      patch.appealedAt = now;
      patch.pausedAt = now;
      patch.appealReason = cmd.reason.trim();
      patch.appealBy = cmd.by;
      break;
    case 'DECIDE_APPEAL':
      patch.appealDecision = cmd.decision;
      patch.appealDecidedAt = now;
      patch.appealDecidedBy = cmd.by;
      patch.pausedAt = null;
      if (cmd.decision === 'REJECTED') {
        // The clocks resume: the days the appeal was pending do not count (R16).
        const pausedAt = c.pausedAt ?? now;
        if (c.stageDueAt !== null && c.stageUnit !== null) patch.stageDueAt = resumeDeadline(c.stageDueAt, c.stageUnit, pausedAt, now, calendar);
        patch.rectifyDueAt = resumeDeadline(c.rectifyDueAt, c.rectifyUnit, pausedAt, now, calendar);
        if (c.extendedTo !== null) patch.extendedTo = patch.rectifyDueAt;
        to = c.stateBeforeAppeal ?? 'VERIFIED';
        if (c.finding === 'MALICIOUS') {
          // The supervisor found the review not malicious: it is verified again, founded or not.
          to = 'DISPATCHED';
          patch.finding = null;
          stageClock(rules.clocks.verify);
        }
        patch.stateBeforeAppeal = null;
      } else {
        to = 'INVALIDATED';
        patch.closedAt = now;
        patch.stageDueAt = null;
        patch.stageUnit = null;
        invalidateRating = cmd.decision === 'MALICIOUS' ? 'MALICIOUS' : 'APPEAL_UPHELD';
        patch.invalidReason = cmd.decision === 'MALICIOUS' ? 'malicious review (恶意差评)' : 'appeal upheld (申诉成立)';
      }
      break;
    case 'EXTEND': {
      const due = endOfEpochDay(epochDayFromYmd(cmd.newDay));
      if (due <= c.rectifyDueAt) {
        throw InvalidInputError.field('newDate', `a day after the current deadline (${new Date(c.rectifyDueAt - 1).toISOString()})`, cmd.newDay);
      }
      patch.rectifyDueAt = due;
      patch.extendedTo = due;
      patch.extensions = c.extensions + 1;
      patch.extensionReason = cmd.reason.trim();
      break;
    }
    case 'ESCALATE':
      patch.overdue = true;
      patch.everOverdue = true;
      patch.escalationLevel = c.escalationLevel + 1;
      patch.escalatedAt = now;
      patch.escalatedDueAt = c.dueAt;
      break;
    case 'INVALIDATE':
      to = 'INVALIDATED';
      patch.closedAt = now;
      patch.pausedAt = null;
      patch.stageDueAt = null;
      patch.stageUnit = null;
      patch.invalidReason = cmd.reason;
      break;
    case 'RERATE':
      patch.rerateLevel = cmd.level;
      patch.rerateChannel = cmd.channel;
      patch.reratedAt = now;
      break;
  }

  const next: RectCaseState = { ...c, ...patch, state: to };
  patch.dueAt = effectiveDue(next);
  if (cmd.action !== 'ESCALATE') {
    // Taking a step after its deadline leaves a mark, even if the job had not yet run.
    const late = c.dueAt !== null && now >= c.dueAt;
    patch.overdue = patch.dueAt !== null && now >= patch.dueAt;
    patch.everOverdue = c.everOverdue || late || patch.overdue;
  }
  return { from: c.state, to, patch: { ...patch, state: to }, invalidateRating };
}

/** The deadline in force: the stage's, and the rectification's until the review is resolved. */
export function effectiveDue(c: Pick<RectCaseState, 'state' | 'stageDueAt' | 'rectifyDueAt' | 'resolvedAt'>): number | null {
  if (c.state === 'APPEALED' || TERMINAL.includes(c.state)) return null;
  const candidates = [c.stageDueAt, c.resolvedAt === null ? c.rectifyDueAt : null].filter((d): d is number => d !== null);
  return candidates.length ? Math.min(...candidates) : null;
}

/** The rectification deadline of a class, counted from the bad review, plus the days an appeal was pending. */
function rectifyDeadline(c: RectCaseState, limit: Limit, calendar: WorkCalendar): number {
  const due = deadlineAfter(c.openedAt, limit, calendar);
  if (c.appealedAt !== null && c.appealDecidedAt !== null) return resumeDeadline(due, limit.unit, c.appealedAt, c.appealDecidedAt, calendar);
  return due;
}

function text(field: string, value: string | null | undefined, max: number, required = true): void {
  const v = value?.trim() ?? '';
  if (required && !v) throw InvalidInputError.field(field, `1–${max} characters`, value ?? undefined);
  if (Array.from(v).length > max) throw InvalidInputError.field(field, `at most ${max} characters`, value);
}

function validateCommand(cmd: Command, now: number): void {
  switch (cmd.action) {
    case 'DISPATCH':
      return text('handler', cmd.handler, 60);
    case 'VERIFY':
      if (!FINDINGS.includes(cmd.finding)) throw InvalidInputError.field('finding', FINDINGS.join(', '), cmd.finding);
      return;
    case 'CLASSIFY':
      if (!CLASSES.includes(cmd.rectClass)) throw InvalidInputError.field('rectClass', CLASSES.join(', '), cmd.rectClass);
      text('proposedHandling', cmd.proposedHandling, 500, false);
      return text('leaderInstruction', cmd.leaderInstruction, 500, false);
    // docs/exchange.md: rectification content is at most 255 characters.
    case 'RECTIFY':
      return text('content', cmd.content, 255);
    case 'FEED_BACK':
      return text('reply', cmd.reply, 500);
    case 'CALL_BACK':
      if (cmd.reached && !(Number.isInteger(cmd.satisfaction) && cmd.satisfaction! >= 1 && cmd.satisfaction! <= 5)) {
        throw InvalidInputError.field('satisfaction', "the rater's satisfaction with the fix, an integer 1–5, when the rater was reached", cmd.satisfaction);
      }
      if (!cmd.reached && cmd.satisfaction != null) throw InvalidInputError.field('satisfaction', 'empty when the rater was not reached', cmd.satisfaction);
      return;
    case 'APPEAL':
      return text('reason', cmd.reason, 500);
    case 'DECIDE_APPEAL':
      if (!DECISIONS.includes(cmd.decision)) throw InvalidInputError.field('decision', DECISIONS.join(', '), cmd.decision);
      return;
    case 'EXTEND':
      text('reason', cmd.reason, 500);
      if (endOfEpochDay(epochDayFromYmd(cmd.newDay)) <= now || epochDayFromYmd(cmd.newDay) <= epochDayOf(now)) {
        throw InvalidInputError.field('newDate', 'a future day', cmd.newDay);
      }
      return;
    case 'RERATE':
      if (!Number.isInteger(cmd.level) || cmd.level < 1 || cmd.level > 5) throw InvalidInputError.levelOutOfRange(cmd.level);
      return;
    case 'CLOSE':
    case 'ESCALATE':
    case 'INVALIDATE':
      return;
  }
}

/** Step metadata (R15: who, when, what): a note and the names of attachments. */
export function validateStepMeta(
  note: string | null | undefined,
  attachments: readonly string[] | null | undefined,
): { note: string | null; attachments: string[] } {
  text('note', note, 1000, false);
  const names = (attachments ?? []).map((a) => a.trim()).filter(Boolean);
  if (names.length > 10) throw InvalidInputError.field('attachments', 'at most 10 file names', names.length);
  for (const name of names) {
    // Control characters are refused on purpose: a file name is shown to people and written to records.
    // eslint-disable-next-line no-control-regex
    if (Array.from(name).length > 120 || /[\\/\u0000-\u001f]/.test(name)) {
      throw InvalidInputError.field('attachments', 'file names of at most 120 characters without / or \\', name);
    }
  }
  return { note: note?.trim() || null, attachments: names };
}
