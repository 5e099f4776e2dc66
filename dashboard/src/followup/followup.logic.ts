import { RATING_ANSWERS, type AnswerRules } from '../rate/submission.js';

/** The follow-up page (追评, R9) for a follow-up token; issueFollowUpToken's `path` is the same. */
export function followUpPath(token: string): string {
  return `/followup?t=${encodeURIComponent(token)}`;
}

/** The rater's follow-up link on this site: what the rating page offers to copy and a device shows as a QR code. */
export function followUpLink(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, '')}${followUpPath(token)}`;
}

/** A follow-up the rater may still add: the token and when its period ends. */
export interface FollowUpOffer {
  token: string;
  until: string;
}

/**
 * What the server's answer to a first rating offers: its `followUpToken` and `followUpUntil`, or null
 * where follow-ups are off (FOLLOW_UP_DAYS = 0) and the answer carries none.
 */
export function followUpOfferOf(reply: Record<string, unknown> | null | undefined, field = 'submitEvaluation'): FollowUpOffer | null {
  const rating = reply?.[field] as { followUpToken?: unknown; followUpUntil?: unknown } | null | undefined;
  if (typeof rating?.followUpToken !== 'string' || !rating.followUpToken) return null;
  return { token: rating.followUpToken, until: typeof rating.followUpUntil === 'string' ? rating.followUpUntil : '' };
}

export type FollowUpPhase = 'loading' | 'form' | 'sending' | 'done' | 'expired' | 'invalid' | 'used' | 'closed';

/** How a refusal (of the link's ticket or of the follow-up) reads on the page; null: shown on the form, which stays. */
export function phaseOfRefusal(code: string | undefined): FollowUpPhase | null {
  switch (code) {
    case 'ALREADY_RATED':
      return 'used';
    case 'RATING_WINDOW_CLOSED':
      return 'closed';
    case 'TOKEN_EXPIRED':
      return 'expired';
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
    case 'NOT_FOUND':
      return 'invalid';
    default:
      return null;
  }
}

/**
 * The rules of submitFollowUp: every follow-up carries its submissionId, so a resend after a lost
 * reply gets the stored follow-up back; ALREADY_RATED is then always another follow-up, never ours.
 */
export const FOLLOW_UP_ANSWERS: AnswerRules = { ...RATING_ANSWERS, duplicate: null };
