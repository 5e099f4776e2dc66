import { DAY_MS } from '../common/clock.js';
import { AlreadyRatedError, InvalidInputError, RatingWindowClosedError, TagRequiredError } from '../common/errors.js';
import { DIMENSIONS, isBadLevel } from '../catalog/levels.logic.js';
import { channelsFor, type Channel } from '../catalog/channel.logic.js';
import type { TagInfo } from '../catalog/catalog.service.js';

/** What a caller sends; validated into a NormalizedEvaluation or rejected with a coded error. */
export interface EvaluationDraft {
  level: number;
  dimensions?: Record<string, number> | null;
  tags?: string[] | null;
  comment?: string | null;
  channel: Channel;
}

export interface NormalizedEvaluation {
  level: number;
  dimensions: Record<string, number> | null;
  tags: string[];
  comment: string | null;
  channel: Channel;
}

export interface RatingSettings {
  ratingWindowDays: number;
  followUpDays: number;
}

export const MAX_COMMENT_LENGTH = 1000;

/** R2, R3, R9: level 1–5, known dimensions, tags of the chosen level, a bad review carries a tag or comment. */
export function validateEvaluation(draft: EvaluationDraft, tags: ReadonlyMap<string, TagInfo>): NormalizedEvaluation {
  const level = draft.level;
  if (!Number.isInteger(level) || level < 1 || level > 5) throw InvalidInputError.levelOutOfRange(level);
  const comment = draft.comment?.trim() ? draft.comment.trim() : null;
  if (comment && comment.length > MAX_COMMENT_LENGTH) {
    throw InvalidInputError.field('comment', `at most ${MAX_COMMENT_LENGTH} characters`, `${comment.length} characters`);
  }
  const tagCodes = [...new Set(draft.tags ?? [])];
  for (const code of tagCodes) {
    const tag = tags.get(code);
    if (!tag) throw InvalidInputError.field('tags', 'codes from the current national tag dictionary', code);
    if (tag.level !== level) {
      throw InvalidInputError.field(`tag ${code}`, `used with a level-${tag.level} rating`, `a level-${level} rating`);
    }
  }
  if (isBadLevel(level) && tagCodes.length === 0 && !comment) throw TagRequiredError.forBadReview(level);
  return { level, dimensions: validateDimensions(draft.dimensions), tags: tagCodes, comment, channel: draft.channel };
}

function validateDimensions(dimensions: Record<string, number> | null | undefined): Record<string, number> | null {
  if (!dimensions) return null;
  const known = new Set(DIMENSIONS.map((d) => d.key));
  const entries = Object.entries(dimensions);
  for (const [key, value] of entries) {
    if (!known.has(key as never)) throw InvalidInputError.field('dimension', `one of ${[...known].join(', ')}`, key);
    if (!Number.isInteger(value) || value < 1 || value > 5) {
      throw InvalidInputError.field(`dimension ${key}`, 'an integer 1–5', value);
    }
  }
  return entries.length ? Object.fromEntries(entries) : null;
}

export function checkChannel(role: string, channel: Channel, device?: { windowId?: number; terminalId?: number }): void {
  const allowed = channelsFor(role, device);
  if (!allowed.includes(channel)) {
    throw InvalidInputError.field('channel', `one of ${allowed.join(', ') || '(none: this caller cannot rate)'}`, channel);
  }
}

export interface ServiceTiming {
  proStatus: number;
  completedAt: number | null;
}

/** R9/R11: a rating is accepted from acceptance until the window after completion closes. */
export function checkRatingWindow(service: ServiceTiming, settings: RatingSettings, now: number): void {
  if (service.proStatus < 2) {
    throw new RatingWindowClosedError('this service has not been accepted yet; it can be rated once it is accepted or completed');
  }
  if (service.completedAt !== null && now > service.completedAt + settings.ratingWindowDays * DAY_MS) {
    const closedAt = new Date(service.completedAt + settings.ratingWindowDays * DAY_MS).toISOString();
    throw new RatingWindowClosedError(`the rating window closed at ${closedAt}, ${settings.ratingWindowDays} days after completion`, { closedAt });
  }
}

export interface PriorRating {
  ratedAt: number;
  isDefault: boolean;
  followUps: number;
}

/**
 * R9: 1 for a first rating; 2 for the one follow-up (追评) where FOLLOW_UP_DAYS allows it, counted from
 * the first rating, not from completion. A default rating cannot be followed up: the rater never rated.
 */
export function nextAssessNumber(
  prior: PriorRating | null,
  settings: RatingSettings,
  now: number,
  service: { projectNo: string; serviceNumber: number },
): 1 | 2 {
  if (!prior) return 1;
  if (prior.isDefault) {
    throw new RatingWindowClosedError('the rating window has closed and the default rating 基本满意 was recorded (R11)');
  }
  if (settings.followUpDays === 0 || prior.followUps > 0) throw AlreadyRatedError.service(service.projectNo, service.serviceNumber);
  const closesAt = prior.ratedAt + settings.followUpDays * DAY_MS;
  if (now > closesAt) {
    throw new RatingWindowClosedError(
      `the follow-up (追评) period closed at ${new Date(closesAt).toISOString()}, ${settings.followUpDays} days after the rating`,
    );
  }
  return 2;
}
