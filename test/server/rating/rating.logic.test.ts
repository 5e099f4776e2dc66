import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../server/src/common/clock.js';
import {
  checkChannel,
  checkFirstRating,
  checkFollowUp,
  checkRatingWindow,
  checkResend,
  submissionKeyOf,
  submitterScope,
  validateEvaluation,
  validateSubmissionId,
} from '../../../server/src/rating/rating.logic.js';
import type { TagInfo } from '../../../server/src/catalog/catalog.service.js';
import { NATIONAL_TAGS } from '../../../server/src/catalog/tags.data.js';

const tags = new Map<string, TagInfo>(NATIONAL_TAGS.map((t) => [t.code, { code: t.code, level: t.level }]));
const settings = { ratingWindowDays: 7, followUpDays: 0 };
const svc = { projectNo: 'A1', serviceNumber: 1 };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('validateEvaluation', () => {
  it('accepts the five levels only (R2)', () => {
    for (const level of [1, 2, 3, 4, 5]) expect(validateEvaluation({ level, channel: 'PC', comment: 'ok' }, tags).level).toBe(level);
    for (const level of [0, 6, 2.5, Number.NaN]) expect(codeOf(() => validateEvaluation({ level, channel: 'PC' }, tags))).toBe('BAD_USER_INPUT');
  });

  it('requires a tag or a comment on levels 2 and 1 (R9), not on good levels', () => {
    expect(codeOf(() => validateEvaluation({ level: 1, channel: 'PC', comment: '   ' }, tags))).toBe('TAG_OR_COMMENT_REQUIRED');
    expect(validateEvaluation({ level: 1, channel: 'PC', tags: ['110'] }, tags).tags).toEqual(['110']);
    expect(validateEvaluation({ level: 3, channel: 'PC' }, tags).comment).toBeNull();
  });

  it('takes tags of the chosen level from the current dictionary, once each', () => {
    expect(validateEvaluation({ level: 4, channel: 'PC', tags: ['413', '413', '406'] }, tags).tags).toEqual(['413', '406']);
    expect(codeOf(() => validateEvaluation({ level: 4, channel: 'PC', tags: ['513'] }, tags))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => validateEvaluation({ level: 1, channel: 'PC', tags: ['101'] }, tags))).toBe('BAD_USER_INPUT');
  });

  it('takes the seven dimensions of R3 with levels 1–5', () => {
    expect(validateEvaluation({ level: 5, channel: 'PC', dimensions: { integrity: 5, trips: 4 } }, tags).dimensions).toEqual({ integrity: 5, trips: 4 });
    expect(codeOf(() => validateEvaluation({ level: 5, channel: 'PC', dimensions: { attitude: 9 } }, tags))).toBe('BAD_USER_INPUT');
  });

  it('limits comments to 1000 characters', () => {
    expect(codeOf(() => validateEvaluation({ level: 5, channel: 'PC', comment: '好'.repeat(1001) }, tags))).toBe('BAD_USER_INPUT');
  });
});

describe('checkChannel (R5)', () => {
  it('lets a window device report only WINDOW and a terminal only TERMINAL', () => {
    expect(codeOf(() => checkChannel('device', 'WINDOW', { windowId: 1 }))).toBeUndefined();
    expect(codeOf(() => checkChannel('device', 'TERMINAL', { windowId: 1 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => checkChannel('device', 'TERMINAL', { terminalId: 1 }))).toBeUndefined();
    expect(codeOf(() => checkChannel('rater', 'DEFAULT'))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => checkChannel('system', 'DEFAULT'))).toBe('BAD_USER_INPUT');
  });
});

describe('checkRatingWindow (R9, R11)', () => {
  const done = Date.UTC(2026, 10, 1);
  it('is open from acceptance until 7 days after completion', () => {
    expect(codeOf(() => checkRatingWindow({ proStatus: 2, completedAt: null }, settings, done))).toBeUndefined();
    expect(codeOf(() => checkRatingWindow({ proStatus: 3, completedAt: done }, settings, done + 7 * DAY_MS))).toBeUndefined();
    expect(codeOf(() => checkRatingWindow({ proStatus: 3, completedAt: done }, settings, done + 7 * DAY_MS + 1))).toBe('RATING_WINDOW_CLOSED');
    expect(codeOf(() => checkRatingWindow({ proStatus: 1, completedAt: null }, settings, done))).toBe('RATING_WINDOW_CLOSED');
  });
});

describe('checkFirstRating and checkFollowUp (R9)', () => {
  const allowing = { ...settings, followUpDays: 3 };
  const rated = { ratedAt: 0, isDefault: false, followUps: 0 };

  it('never turns a second first rating into a follow-up, even where follow-ups are allowed', () => {
    expect(codeOf(() => checkFirstRating(null, allowing, svc))).toBeUndefined();
    expect(codeOf(() => checkFirstRating(rated, settings, svc))).toBe('ALREADY_RATED');
    expect(codeOf(() => checkFirstRating(rated, allowing, svc))).toBe('ALREADY_RATED');
    expect(() => checkFirstRating(rated, allowing, svc)).toThrow(/submitFollowUp/);
    expect(codeOf(() => checkFirstRating({ ...rated, isDefault: true }, allowing, svc))).toBe('RATING_WINDOW_CLOSED');
  });

  it('allows one follow-up only where the setting allows it, within its days, after a rating by the rater', () => {
    expect(codeOf(() => checkFollowUp(rated, allowing, DAY_MS, svc))).toBeUndefined();
    expect(codeOf(() => checkFollowUp(rated, settings, DAY_MS, svc))).toBe('RATING_WINDOW_CLOSED');
    expect(codeOf(() => checkFollowUp(null, allowing, DAY_MS, svc))).toBe('NOT_FOUND');
    expect(codeOf(() => checkFollowUp({ ...rated, followUps: 1 }, allowing, DAY_MS, svc))).toBe('ALREADY_RATED');
    expect(codeOf(() => checkFollowUp(rated, allowing, 3 * DAY_MS, svc))).toBeUndefined();
    expect(codeOf(() => checkFollowUp(rated, allowing, 3 * DAY_MS + 1, svc))).toBe('RATING_WINDOW_CLOSED');
    expect(codeOf(() => checkFollowUp({ ...rated, isDefault: true }, allowing, DAY_MS, svc))).toBe('RATING_WINDOW_CLOSED');
  });
});

describe('submission ids (R9: resending is safe)', () => {
  it('takes 8–64 letters, digits, _ or -, and says how to make one otherwise', () => {
    expect(validateSubmissionId(undefined)).toBeNull();
    expect(validateSubmissionId('0f8c2b9e-6d1a-4e0b-9a57-3c1f6c2d8e11')).toBe('0f8c2b9e-6d1a-4e0b-9a57-3c1f6c2d8e11');
    expect(validateSubmissionId('ORDER_123')).toBe('ORDER_123');
    for (const bad of ['short', 'x'.repeat(65), 'has space', '订单12345678', 'a/b/c/d/e']) {
      expect(codeOf(() => validateSubmissionId(bad))).toBe('BAD_USER_INPUT');
    }
    expect(() => validateSubmissionId('short')).toThrow(/submissionId must be 8–64 characters.*UUID/);
  });

  it("keeps each sender's ids apart: the service's rater whatever token, each device or system key", () => {
    const byToken = submitterScope({ role: 'rater', label: 'rating-token:a', serviceId: 7 });
    const byFollowUpToken = submitterScope({ role: 'rater', label: 'followup-token:b', serviceId: 7 });
    expect(byToken).toBe(byFollowUpToken);
    expect(submitterScope({ role: 'device', label: 'apikey:3', apiKeyId: 3 })).toBe('K3');
    expect(submissionKeyOf('K3', 'ORDER_123')).not.toBe(submissionKeyOf('K4', 'ORDER_123'));
    expect(submissionKeyOf(byToken, 'ORDER_123')).not.toBe(submissionKeyOf('K7', 'ORDER_123'));
  });

  it('accepts a resend of the same answer and refuses the same id for another one (CONFLICT)', () => {
    const stored = { serviceId: 1, level: 4, assessNumber: 1 };
    expect(codeOf(() => checkResend('ORDER_123', stored, { ...stored }, 'A1#1'))).toBeUndefined();
    expect(codeOf(() => checkResend('ORDER_123', stored, { ...stored, level: 2 }, 'A1#1'))).toBe('CONFLICT');
    expect(codeOf(() => checkResend('ORDER_123', stored, { ...stored, serviceId: 2 }, 'A1#1'))).toBe('CONFLICT');
    expect(codeOf(() => checkResend('ORDER_123', stored, { ...stored, assessNumber: 2 }, 'A1#1'))).toBe('CONFLICT');
    expect(() => checkResend('ORDER_123', stored, { ...stored, level: 2 }, 'A1#1')).toThrow(/level 4.*new submissionId/);
  });
});
