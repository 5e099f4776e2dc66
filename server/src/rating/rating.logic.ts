import { DAY_MS } from '../common/clock.js';
import { AlreadyRatedError, ConflictError, InvalidInputError, NotFoundError, RatingWindowClosedError, TagRequiredError } from '../common/errors.js';
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
 * R9: a first rating is only ever a first rating. A service that already has one is refused
 * (ALREADY_RATED, saying how to add a follow-up where they are allowed); a second attempt never
 * becomes a follow-up (追评): that is the rater's own act, through submitFollowUp.
 */
export function checkFirstRating(prior: PriorRating | null, settings: RatingSettings, service: { projectNo: string; serviceNumber: number }): void {
  if (!prior) return;
  if (prior.isDefault) {
    throw new RatingWindowClosedError('the rating window has closed and the default rating 基本满意 was recorded (R11)');
  }
  const error = AlreadyRatedError.service(service.projectNo, service.serviceNumber);
  if (settings.followUpDays > 0 && prior.followUps === 0) {
    throw new AlreadyRatedError(`${error.message}; a follow-up rating (追评) is a separate step: submitFollowUp`, error.details);
  }
  throw error;
}

/**
 * R9: the one follow-up (追评) where FOLLOW_UP_DAYS allows it, counted from the first rating, not from
 * completion. It needs a first rating by the rater: a default rating cannot be followed up.
 */
export function checkFollowUp(prior: PriorRating | null, settings: RatingSettings, now: number, service: { projectNo: string; serviceNumber: number }): void {
  const name = `${service.projectNo}#${service.serviceNumber}`;
  if (settings.followUpDays === 0) {
    throw new RatingWindowClosedError('follow-up ratings (追评) are not accepted here (FOLLOW_UP_DAYS is 0)');
  }
  if (!prior) throw new NotFoundError(`service ${name} has no first rating yet; rate it first with submitEvaluation`, { what: 'first rating', key: name });
  if (prior.isDefault) {
    throw new RatingWindowClosedError('the rating window has closed and the default rating 基本满意 was recorded (R11); it cannot be followed up');
  }
  if (prior.followUps > 0) {
    throw new AlreadyRatedError(`service ${name} already has its follow-up rating (追评); one follow-up per service (R9)`, {
      projectNo: service.projectNo,
      serviceNumber: service.serviceNumber,
    });
  }
  const closesAt = followUpClosesAt(prior, settings);
  if (now > closesAt) {
    throw new RatingWindowClosedError(
      `the follow-up (追评) period closed at ${new Date(closesAt).toISOString()}, ${settings.followUpDays} days after the rating`,
    );
  }
}

/** When the follow-up period of a first rating ends (R9). */
export function followUpClosesAt(prior: { ratedAt: number }, settings: RatingSettings): number {
  return prior.ratedAt + settings.followUpDays * DAY_MS;
}

const SUBMISSION_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** A client's key for one answer (R9 resends): 8–64 letters, digits, `_` or `-`, e.g. a UUID. */
export function validateSubmissionId(id: string | null | undefined): string | null {
  if (id == null) return null;
  if (!SUBMISSION_ID.test(id)) {
    throw InvalidInputError.field(
      'submissionId',
      '8–64 characters of A–Z, a–z, 0–9, _ or - (make one per answer, e.g. a UUID, and send the same one again with every resend of that answer)',
      id,
    );
  }
  return id;
}

/**
 * Whose namespace a submissionId lives in: the service's rater (`S<serviceId>`, whatever rating or
 * follow-up token they hold), or the device or system key that sent it (`K<apiKeyId>`).
 */
export function submitterScope(sender: { role: string; label: string; serviceId?: number; apiKeyId?: number }): string {
  if (sender.role === 'rater' && sender.serviceId !== undefined) return `S${sender.serviceId}`;
  if (sender.apiKeyId !== undefined) return `K${sender.apiKeyId}`;
  return `L${sender.label}`;
}

const EXTERNAL_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A department system's own id of a rating it collected elsewhere: 1–64 letters, digits, `_ . : -`. */
export function validateExternalId(id: string | null | undefined, role: string): string | null {
  if (id == null) return null;
  if (role !== 'system' && role !== 'device') {
    throw InvalidInputError.field('externalId', 'sent only by a department system or device key (the id of the rating in its own system)', id);
  }
  if (!EXTERNAL_ID.test(id)) throw InvalidInputError.field('externalId', '1–64 characters of A–Z, a–z, 0–9, _, ., : or -', id);
  return id;
}

/** The stored, scoped key (see Rating.submissionKey and Rating.externalKey). */
export function submissionKeyOf(scope: string, submissionId: string): string {
  return `${scope}/${submissionId}`;
}

/** What a resend must repeat: the same service, level and kind of rating (first or follow-up). */
export interface SubmissionFacts {
  serviceId: number;
  level: number;
  assessNumber: number;
}

/**
 * A resend of a stored answer returns it; the same key with another answer is refused (CONFLICT) and
 * says why, since storing it would lose the answer or count one twice.
 */
export function checkResend(
  submissionId: string,
  stored: SubmissionFacts,
  sent: SubmissionFacts,
  storedService: string,
  what: 'submissionId' | 'externalId' = 'submissionId',
): void {
  const differences: string[] = [];
  if (stored.serviceId !== sent.serviceId) differences.push(`service ${storedService}`);
  if (stored.assessNumber !== sent.assessNumber) differences.push(stored.assessNumber === 1 ? 'a first rating' : 'a follow-up rating (追评)');
  if (stored.level !== sent.level) differences.push(`level ${stored.level}`);
  if (differences.length === 0) return;
  throw new ConflictError(
    `${what} ${submissionId} was already used for another answer (${differences.join(', ')}); send a new ${what} for a new answer, and the same one only when resending the same answer`,
    { [what]: submissionId },
  );
}
