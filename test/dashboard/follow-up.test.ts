import { describe, expect, it } from 'vitest';
import { classifyAnswer } from '../../dashboard/src/rate/submission.js';
import { FOLLOW_UP_ANSWERS, followUpLink, followUpOfferOf, followUpPath, phaseOfRefusal } from '../../dashboard/src/followup/followup.logic.js';
import { formatDateTime } from '../../dashboard/src/format.js';

const err = (code: string) => ({ errors: [{ message: code, extensions: { code } }] });

describe('the follow-up link (追评, R9)', () => {
  it('opens the follow-up page with the token, escaped, on this site', () => {
    expect(followUpPath('a.b-c_d')).toBe('/followup?t=a.b-c_d');
    expect(followUpPath('a+b/c=')).toBe('/followup?t=a%2Bb%2Fc%3D');
    expect(followUpLink('http://192.168.10.20:4000', 'tok')).toBe('http://192.168.10.20:4000/followup?t=tok');
    expect(followUpLink('https://hall.example.gov.cn/', 'tok')).toBe('https://hall.example.gov.cn/followup?t=tok');
  });

  it('is offered only when the answer to the first rating carries a follow-up token (follow-ups on)', () => {
    const until = '2026-11-27T02:00:00.000Z';
    expect(followUpOfferOf({ submitEvaluation: { id: 1, followUpToken: 'f', followUpUntil: until } })).toEqual({ token: 'f', until });
    expect(followUpOfferOf({ submitEvaluation: { id: 1, followUpToken: null, followUpUntil: null } })).toBeNull();
    expect(followUpOfferOf({ submitEvaluation: { id: 1 } })).toBeNull();
    expect(followUpOfferOf(null)).toBeNull();
    expect(followUpOfferOf(undefined)).toBeNull();
  });

  it("reads the server's refusals plainly: period over, already added, link not valid", () => {
    expect(phaseOfRefusal('RATING_WINDOW_CLOSED')).toBe('closed');
    expect(phaseOfRefusal('ALREADY_RATED')).toBe('used');
    expect(phaseOfRefusal('UNAUTHENTICATED')).toBe('invalid');
    expect(phaseOfRefusal('TOKEN_EXPIRED')).toBe('expired');
    expect(phaseOfRefusal('BAD_USER_INPUT')).toBeNull();
    expect(phaseOfRefusal(undefined)).toBeNull();
  });

  it('never takes ALREADY_RATED for its own success: a resend of a follow-up gets the stored one back (R9)', () => {
    expect(classifyAnswer(err('ALREADY_RATED'), true, FOLLOW_UP_ANSWERS)).toMatchObject({ kind: 'failed', code: 'ALREADY_RATED' });
    expect(classifyAnswer({ data: { submitFollowUp: { id: 2 } } }, true, FOLLOW_UP_ANSWERS)).toEqual({ kind: 'success', duplicate: false });
    expect(classifyAnswer(err('RATE_LIMITED'), true, FOLLOW_UP_ANSWERS).kind).toBe('retry');
  });
});

describe('formatDateTime', () => {
  it('gives the end of the follow-up period in Asia/Shanghai, Chinese first', () => {
    expect(formatDateTime('2026-11-27T02:05:00.000Z')).toBe('2026年11月27日 10:05');
    expect(formatDateTime('2026-11-27T02:05:00.000Z', 'en')).toBe('27 Nov 2026, 10:05');
    // 16:30 UTC on the 31st is already the next day (and year) in Beijing.
    expect(formatDateTime(new Date('2026-12-31T16:30:00Z'))).toBe('2027年1月1日 00:30');
    expect(formatDateTime('')).toBe('—');
    expect(formatDateTime('not a date')).toBe('—');
  });
});
