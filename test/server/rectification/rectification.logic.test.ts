import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, InvalidInputError } from '../../../server/src/common/errors.js';
import { workCalendar } from '../../../server/src/rectification/calendar.logic.js';
import {
  ACTIONS,
  allowedActions,
  applyAction,
  openCase,
  STATES,
  validateStepMeta,
  type Command,
  type RectAction,
  type RectCaseState,
  type RectState,
} from '../../../server/src/rectification/rectification.logic.js';
import { resolveRules } from '../../../server/src/rectification/settings.logic.js';

const sh = (text: string) => new Date(`${text}+08:00`).getTime();
const endOf = (day: string) => sh(`${day}T00:00:00`) + 86_400_000;
const HOUR = 3_600_000;
const OPENED_AT = sh('2026-11-20T10:00:00'); // a Friday
const calendar = workCalendar([]);
const { rules } = resolveRules(['410000000000'], []);
const ctxAt = (now: number) => ({ now, rules, calendar });

function opened(): RectCaseState {
  return openCase(1, OPENED_AT, { rules, calendar });
}

/** Runs actions in order, each one hour after the previous unless a time is given. */
function run(start: RectCaseState, steps: Array<Command | [Command, number]>): RectCaseState {
  let c = start;
  let now = start.openedAt;
  for (const s of steps) {
    const [cmd, at] = Array.isArray(s) ? s : [s, now + HOUR];
    now = at;
    c = { ...c, ...applyAction(c, cmd, ctxAt(now)).patch };
  }
  return c;
}

const DISPATCH: Command = { action: 'DISPATCH', handler: '张科长' };
const FOUNDED: Command = { action: 'VERIFY', finding: 'FOUNDED', reasonable: true };
const CLASSIFY: Command = { action: 'CLASSIFY', rectClass: 'GENERAL', proposedHandling: '约谈窗口人员' };
const RECTIFY: Command = { action: 'RECTIFY', content: '已对窗口人员进行业务培训' };
const FEED_BACK: Command = { action: 'FEED_BACK', reply: '感谢监督，已整改' };
const CALL_BACK: Command = { action: 'CALL_BACK', reached: true, satisfaction: 4 };

/** One valid command per action, to try each one in each state. */
const SAMPLE: Record<RectAction, Command | null> = {
  OPEN: null,
  DISPATCH,
  VERIFY: FOUNDED,
  CLASSIFY,
  RECTIFY,
  FEED_BACK,
  CALL_BACK,
  CLOSE: { action: 'CLOSE' },
  APPEAL: { action: 'APPEAL', reason: '评价与事实不符', by: 'user:1' },
  DECIDE_APPEAL: { action: 'DECIDE_APPEAL', decision: 'REJECTED', by: 'user:2' },
  EXTEND: { action: 'EXTEND', newDay: 20261231, reason: '需协调多部门' },
  ESCALATE: { action: 'ESCALATE' },
  INVALIDATE: { action: 'INVALIDATE', reason: 'test' },
  RERATE: { action: 'RERATE', level: 4, channel: 'SELF' },
};

/** A case in every state, reached through legal actions. */
function inState(state: RectState): RectCaseState {
  const o = opened();
  switch (state) {
    case 'OPENED':
      return o;
    case 'DISPATCHED':
      return run(o, [DISPATCH]);
    case 'VERIFIED':
      return run(o, [DISPATCH, FOUNDED]);
    case 'CLASSIFIED':
      return run(o, [DISPATCH, FOUNDED, CLASSIFY]);
    case 'RECTIFIED':
      return run(o, [DISPATCH, FOUNDED, CLASSIFY, RECTIFY]);
    case 'FED_BACK':
      return run(o, [DISPATCH, FOUNDED, CLASSIFY, RECTIFY, FEED_BACK]);
    case 'CALLED_BACK':
      return run(o, [DISPATCH, FOUNDED, CLASSIFY, RECTIFY, FEED_BACK, CALL_BACK]);
    case 'CLOSED':
      return run(o, [DISPATCH, FOUNDED, CLASSIFY, RECTIFY, FEED_BACK, CALL_BACK, { action: 'CLOSE' }]);
    case 'APPEALED':
      return run(o, [DISPATCH, FOUNDED, SAMPLE.APPEAL!]);
    case 'INVALIDATED':
      return run(o, [DISPATCH, FOUNDED, SAMPLE.APPEAL!, { action: 'DECIDE_APPEAL', decision: 'UPHELD', by: 'user:2' }]);
  }
}

describe('rectification state machine', () => {
  it('walks a founded bad review from opening to closing, one transition per action (R13–R15)', () => {
    const o = opened();
    expect(o.state).toBe('OPENED');
    expect(o.stageDueAt).toBe(endOf('2026-11-23')); // dispatch within 1 working day: Friday → Monday
    expect(o.rectifyDueAt).toBe(endOf('2026-12-05')); // 15 natural days (R16)
    const states: RectState[] = [];
    let c = o;
    let now = OPENED_AT;
    for (const cmd of [DISPATCH, FOUNDED, CLASSIFY, RECTIFY, FEED_BACK, CALL_BACK, { action: 'CLOSE' } as Command]) {
      now += HOUR;
      const out = applyAction(c, cmd, ctxAt(now));
      expect(out.from).toBe(c.state);
      c = { ...c, ...out.patch };
      states.push(c.state);
    }
    expect(states).toEqual(['DISPATCHED', 'VERIFIED', 'CLASSIFIED', 'RECTIFIED', 'FED_BACK', 'CALLED_BACK', 'CLOSED']);
    expect(c).toMatchObject({
      finding: 'FOUNDED',
      rectClass: 'GENERAL',
      onTime: true,
      callbackReached: true,
      callbackSatisfaction: 4,
      dueAt: null,
      overdue: false,
    });
  });

  it('refuses every action that is not allowed in a state, and changes nothing (R15)', () => {
    let refused = 0;
    for (const state of STATES) {
      const c = inState(state);
      expect(c.state).toBe(state);
      const legal = allowedActions(c, ctxAt(c.openedAt + 10 * HOUR));
      for (const action of ACTIONS) {
        const cmd = SAMPLE[action];
        if (!cmd || legal.includes(action)) continue;
        const before = structuredClone(c);
        let error: unknown;
        try {
          applyAction(c, cmd, ctxAt(c.openedAt + 10 * HOUR));
        } catch (err) {
          error = err;
        }
        expect(error, `${action} in ${state}`).toBeInstanceOf(IllegalTransitionError);
        expect((error as IllegalTransitionError).code).toBe('ILLEGAL_TRANSITION');
        expect((error as IllegalTransitionError).details).toMatchObject({ action, state });
        expect(c).toEqual(before);
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(80);
  });

  it('says what is allowed instead', () => {
    expect(() => applyAction(opened(), RECTIFY, ctxAt(OPENED_AT + HOUR))).toThrow(
      /RECTIFY is not allowed for a case in state OPENED; allowed now: DISPATCH, EXTEND/,
    );
  });

  it('lets an unfounded review be explained to the rater without a class (R14: no legal basis → explain)', () => {
    const c = run(opened(), [DISPATCH, { action: 'VERIFY', finding: 'UNFOUNDED', reasonable: false }]);
    expect(allowedActions(c, ctxAt(OPENED_AT + 3 * HOUR))).not.toContain('CLASSIFY');
    expect(() => applyAction(c, CLASSIFY, ctxAt(OPENED_AT + 3 * HOUR))).toThrow(IllegalTransitionError);
    const fed = run(c, [FEED_BACK]);
    expect(fed).toMatchObject({ state: 'FED_BACK', onTime: true });
    expect(fed.resolvedAt).not.toBeNull();
  });

  it('sends a suspected malicious review to appeal only (R18)', () => {
    const c = run(opened(), [DISPATCH, { action: 'VERIFY', finding: 'MALICIOUS' }]);
    expect(allowedActions(c, ctxAt(OPENED_AT + 3 * HOUR)).filter((a) => a !== 'ESCALATE' && a !== 'INVALIDATE')).toEqual(['APPEAL', 'EXTEND']);
    expect(() => applyAction(c, FEED_BACK, ctxAt(OPENED_AT + 3 * HOUR))).toThrow(/appeal first|malicious/);
  });

  it('invalidates the rating when an appeal is upheld or the review is found malicious (R18)', () => {
    const appealed = inState('APPEALED');
    const upheld = applyAction(appealed, { action: 'DECIDE_APPEAL', decision: 'UPHELD', by: 'user:2' }, ctxAt(OPENED_AT + 5 * HOUR));
    expect(upheld).toMatchObject({ to: 'INVALIDATED', invalidateRating: 'APPEAL_UPHELD' });
    const malicious = applyAction(appealed, { action: 'DECIDE_APPEAL', decision: 'MALICIOUS', by: 'user:2' }, ctxAt(OPENED_AT + 5 * HOUR));
    expect(malicious).toMatchObject({ to: 'INVALIDATED', invalidateRating: 'MALICIOUS' });
    expect(malicious.patch.invalidReason).toContain('恶意');
  });

  it('allows one appeal per case; a rejected "malicious" finding is verified again (R18)', () => {
    const suspected = run(opened(), [DISPATCH, { action: 'VERIFY', finding: 'MALICIOUS' }, SAMPLE.APPEAL!]);
    const rejected = run(suspected, [{ action: 'DECIDE_APPEAL', decision: 'REJECTED', by: 'user:2' }]);
    expect(rejected).toMatchObject({ state: 'DISPATCHED', finding: null, appealDecision: 'REJECTED' });
    expect(() => applyAction(rejected, { action: 'VERIFY', finding: 'MALICIOUS' }, ctxAt(OPENED_AT + 10 * HOUR))).toThrow(IllegalTransitionError);
    const verified = run(rejected, [FOUNDED]);
    expect(() => applyAction(verified, SAMPLE.APPEAL!, ctxAt(OPENED_AT + 12 * HOUR))).toThrow(/at most once/);
  });

  it('pauses the clocks while an appeal is pending and resumes them after a rejection (R16)', () => {
    const verified = run(opened(), [DISPATCH, [FOUNDED, sh('2026-11-23T09:00:00')]]);
    const appealed = run(verified, [[SAMPLE.APPEAL!, sh('2026-11-23T10:00:00')]]);
    expect(appealed).toMatchObject({ state: 'APPEALED', dueAt: null, pausedAt: sh('2026-11-23T10:00:00') });
    // The overdue job finds nothing to do while paused, even long after the deadline.
    expect(allowedActions(appealed, ctxAt(sh('2026-12-20T10:00:00')))).not.toContain('ESCALATE');
    const back = run(appealed, [[{ action: 'DECIDE_APPEAL', decision: 'REJECTED', by: 'user:2' }, sh('2026-11-27T15:00:00')]]);
    expect(back.state).toBe('VERIFIED');
    expect(back.pausedAt).toBeNull();
    expect(back.rectifyDueAt).toBe(endOf('2026-12-09')); // 5 Dec + the 4 days pending
    // The classification keeps the days given back.
    const classified = run(back, [CLASSIFY]);
    expect(classified.rectifyDueAt).toBe(endOf('2026-12-09'));
  });

  it('recomputes the rectification deadline from the class settings (R14)', () => {
    const shanghai = resolveRules(
      ['310000000000'],
      [
        { regionCode: '310000000000', key: 'clock.rectify.SIMPLE', value: '1W' },
        { regionCode: '310000000000', key: 'clock.rectify.GENERAL', value: '5W' },
        { regionCode: '310000000000', key: 'clock.rectify.COMPLEX', value: '15W' },
      ],
    ).rules;
    const start = openCase(2, OPENED_AT, { rules: shanghai, calendar });
    const classify = (rectClass: 'SIMPLE' | 'GENERAL' | 'COMPLEX') => {
      let c = start;
      for (const cmd of [DISPATCH, FOUNDED, { action: 'CLASSIFY', rectClass } as Command])
        c = { ...c, ...applyAction(c, cmd, { now: OPENED_AT + HOUR, rules: shanghai, calendar }).patch };
      return c.rectifyDueAt;
    };
    expect(classify('SIMPLE')).toBe(endOf('2026-11-23'));
    expect(classify('GENERAL')).toBe(endOf('2026-11-27'));
    expect(classify('COMPLEX')).toBe(endOf('2026-12-11'));
  });

  it('extends the deadline with a reason and a new date, once by default (R16)', () => {
    const c = inState('CLASSIFIED');
    const extended = run(c, [{ action: 'EXTEND', newDay: 20261220, reason: '需省级部门协调' }]);
    expect(extended).toMatchObject({ rectifyDueAt: endOf('2026-12-20'), extensions: 1, extensionReason: '需省级部门协调' });
    expect(() => applyAction(extended, { action: 'EXTEND', newDay: 20261225, reason: '再延' }, ctxAt(OPENED_AT + 20 * HOUR))).toThrow(/at most 1 extension/);
    expect(() => applyAction(c, { action: 'EXTEND', newDay: 20261201, reason: '提前' }, ctxAt(OPENED_AT + 20 * HOUR))).toThrow(InvalidInputError);
    // Once the deadline has passed it can no longer be extended.
    expect(() => applyAction(c, { action: 'EXTEND', newDay: 20261231, reason: '晚了' }, ctxAt(endOf('2026-12-05') + HOUR))).toThrow(/already passed/);
  });

  it('marks a late step and a late rectification (R16)', () => {
    const late = run(opened(), [[DISPATCH, sh('2026-11-24T09:00:00')]]);
    expect(late.everOverdue).toBe(true);
    expect(late.overdue).toBe(false);
    const c = run(late, [FOUNDED, CLASSIFY, [RECTIFY, sh('2026-12-06T09:00:00')]]);
    expect(c).toMatchObject({ onTime: false, everOverdue: true });
  });

  it('escalates each passed deadline once (R16)', () => {
    const c = opened();
    expect(() => applyAction(c, { action: 'ESCALATE' }, ctxAt(OPENED_AT + HOUR))).toThrow(/not overdue/);
    const escalated = run(c, [[{ action: 'ESCALATE' }, endOf('2026-11-23') + HOUR]]);
    expect(escalated).toMatchObject({ overdue: true, escalationLevel: 1, escalatedDueAt: endOf('2026-11-23'), state: 'OPENED' });
    expect(() => applyAction(escalated, { action: 'ESCALATE' }, ctxAt(endOf('2026-11-23') + 2 * HOUR))).toThrow(/already been escalated/);
  });

  it('goes on after three callbacks that did not reach the rater (R15, R19)', () => {
    let c = inState('FED_BACK');
    c = run(c, [
      { action: 'CALL_BACK', reached: false },
      { action: 'CALL_BACK', reached: false },
    ]);
    expect(c).toMatchObject({ state: 'FED_BACK', callbackAttempts: 2 });
    c = run(c, [{ action: 'CALL_BACK', reached: false }]);
    expect(c).toMatchObject({ state: 'CALLED_BACK', callbackReached: false, callbackSatisfaction: null, callbackAttempts: 3 });
  });

  it('validates the fields of a step (docs/exchange.md: content ≤ 255 characters)', () => {
    const c = inState('CLASSIFIED');
    expect(() => applyAction(c, { action: 'RECTIFY', content: '改'.repeat(256) }, ctxAt(OPENED_AT + 9 * HOUR))).toThrow(/at most 255/);
    expect(applyAction(c, { action: 'RECTIFY', content: '改'.repeat(255) }, ctxAt(OPENED_AT + 9 * HOUR)).to).toBe('RECTIFIED');
    expect(() => applyAction(inState('FED_BACK'), { action: 'CALL_BACK', reached: true }, ctxAt(OPENED_AT + 9 * HOUR))).toThrow(/satisfaction/);
    expect(() => validateStepMeta('ok', ['../etc/passwd'])).toThrow(InvalidInputError);
    expect(validateStepMeta(' 已核实 ', ['现场照片.jpg', ' '])).toEqual({ note: '已核实', attachments: ['现场照片.jpg'] });
  });

  it('lets the rater rate the fix once (re-rating after rectification)', () => {
    const c = run(inState('FED_BACK'), [SAMPLE.RERATE!]);
    expect(c).toMatchObject({ rerateLevel: 4, rerateChannel: 'SELF', state: 'FED_BACK' });
    expect(() => applyAction(c, SAMPLE.RERATE!, ctxAt(OPENED_AT + 20 * HOUR))).toThrow(IllegalTransitionError);
  });
});
