import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkError } from '../../dashboard/src/api/http.js';
import { classifyAnswer, memoryRatingStore, sendRating, type FinalOutcome, type Outcome } from '../../dashboard/src/rate/submission.js';
import { phaseAfter, phaseOfTicket, RERATE_ANSWERS, rerateVariables, type RerateTicket } from '../../dashboard/src/rerate/rerate.logic.js';

const ok = { data: { rerateRectification: { caseId: 7, level: 4 } } };
const err = (code: string, extensions: Record<string, unknown> = {}) => ({ errors: [{ message: code, extensions: { code, ...extensions } }] });
const refusedIn = (state: string) => err('ILLEGAL_TRANSITION', { action: 'RERATE', state, allowed: [] });
const final = (outcome: Outcome): FinalOutcome => {
  if (outcome.kind === 'retry') throw new Error(`expected a final answer, got a retry: ${outcome.reason}`);
  return outcome;
};
const phaseOf = (answer: ReturnType<typeof err>, sentBefore = false) => phaseAfter(final(classifyAnswer(answer, sentBefore, RERATE_ANSWERS)));

describe('rerateRectification answers', () => {
  it('reads a refusal in a state that takes re-ratings as "already re-rated": an earlier attempt of ours, or someone else\'s', () => {
    expect(classifyAnswer(refusedIn('CALLED_BACK'), true, RERATE_ANSWERS)).toEqual({ kind: 'success', duplicate: true });
    expect(classifyAnswer(refusedIn('FED_BACK'), false, RERATE_ANSWERS)).toMatchObject({ kind: 'failed', code: 'ALREADY_RERATED' });
    expect(phaseOf(refusedIn('FED_BACK'))).toBe('used');
  });

  it('tells an invalidated case, an expired link and a link that is not one apart', () => {
    expect(classifyAnswer(refusedIn('INVALIDATED'), true, RERATE_ANSWERS)).toMatchObject({ kind: 'failed', code: 'CASE_CLOSED' });
    expect(phaseOf(refusedIn('INVALIDATED'), true)).toBe('closed');
    expect(phaseOf(err('TOKEN_EXPIRED'))).toBe('expired');
    expect(phaseOf(err('UNAUTHENTICATED'))).toBe('invalid');
    expect(phaseOf(err('NOT_FOUND'))).toBe('invalid');
    expect(phaseAfter({ kind: 'failed', code: 'BAD_USER_INPUT', message: 'level must be 1–5' })).toBeNull();
    expect(phaseAfter({ kind: 'success', duplicate: false })).toBe('done');
  });

  it('retries network errors, server faults and a case that changed meanwhile (nothing was stored)', () => {
    expect(classifyAnswer(new NetworkError('offline'), false, RERATE_ANSWERS).kind).toBe('retry');
    expect(classifyAnswer(err('CONFLICT'), true, RERATE_ANSWERS).kind).toBe('retry');
    expect(classifyAnswer(err('INTERNAL_SERVER_ERROR'), true, RERATE_ANSWERS).kind).toBe('retry');
    expect(classifyAnswer(ok, false, RERATE_ANSWERS)).toEqual({ kind: 'success', duplicate: false });
  });
});

describe('sending a re-rating', () => {
  afterEach(() => vi.unstubAllGlobals());
  const respond = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

  it('sends token and level, and after a lost answer takes the refusal of the resend as its own success, once', async () => {
    const bodies: unknown[] = [];
    const answers = [() => Promise.reject(new TypeError('Failed to fetch')), () => Promise.resolve(respond(refusedIn('FED_BACK')))];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) => {
        bodies.push(JSON.parse(String(init.body)));
        return answers.shift()!();
      }),
    );
    const store = memoryRatingStore();
    store.save({ input: { token: 'tok', level: 2 }, attempts: 0, status: 'pending', savedAt: 0 });
    const outcome = await sendRating('mutation RerateRectification', store, { variables: rerateVariables, rules: RERATE_ANSWERS, wait: async () => undefined });
    expect(outcome).toEqual({ kind: 'success', duplicate: true });
    expect(bodies).toEqual([
      { query: 'mutation RerateRectification', variables: { token: 'tok', level: 2 } },
      { query: 'mutation RerateRectification', variables: { token: 'tok', level: 2 } },
    ]);
    expect(store.load()).toMatchObject({ status: 'done' });
  });
});

describe("the link's ticket", () => {
  const ticket: RerateTicket = {
    projectNo: 'P1',
    itemName: '个体工商户设立登记',
    departmentName: '东城区市场监督管理局',
    ratedAt: '2026-11-01T02:00:00.000Z',
    reply: '已整改',
    resolvedAt: '2026-11-03T02:00:00.000Z',
    rerated: false,
    accepting: true,
  };
  it('opens the form only for a link that still takes a rating, and says why otherwise before anything is chosen', () => {
    expect(phaseOfTicket(ticket, undefined)).toBe('form');
    expect(phaseOfTicket({ ...ticket, rerated: true }, undefined)).toBe('used');
    expect(phaseOfTicket({ ...ticket, accepting: false }, undefined)).toBe('closed');
    expect(phaseOfTicket(null, 'TOKEN_EXPIRED')).toBe('expired');
    expect(phaseOfTicket(null, 'UNAUTHENTICATED')).toBe('invalid');
    expect(phaseOfTicket(null, 'NOT_FOUND')).toBe('invalid');
  });
});
