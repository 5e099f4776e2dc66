import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../server/src/common/clock.js';
import { checkChannel, checkRatingWindow, nextAssessNumber, validateEvaluation } from '../../../server/src/rating/rating.logic.js';
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

describe('nextAssessNumber (R9)', () => {
  it('allows one follow-up only where the setting allows it', () => {
    expect(nextAssessNumber(null, settings, 0, svc)).toBe(1);
    expect(codeOf(() => nextAssessNumber({ ratedAt: 0, isDefault: false, followUps: 0 }, settings, 1, svc))).toBe('ALREADY_RATED');
    const allowing = { ...settings, followUpDays: 3 };
    expect(nextAssessNumber({ ratedAt: 0, isDefault: false, followUps: 0 }, allowing, DAY_MS, svc)).toBe(2);
    expect(codeOf(() => nextAssessNumber({ ratedAt: 0, isDefault: false, followUps: 1 }, allowing, DAY_MS, svc))).toBe('ALREADY_RATED');
    expect(codeOf(() => nextAssessNumber({ ratedAt: 0, isDefault: false, followUps: 0 }, allowing, 4 * DAY_MS, svc))).toBe('RATING_WINDOW_CLOSED');
    expect(codeOf(() => nextAssessNumber({ ratedAt: 0, isDefault: true, followUps: 0 }, allowing, DAY_MS, svc))).toBe('RATING_WINDOW_CLOSED');
  });
});
