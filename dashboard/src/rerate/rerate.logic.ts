/** Pure rules of the rater's page to rate the fix of a bad review: how the server's answers read. */
import type { GraphQLErrorShape } from '../api/http.js';
import { RETRYABLE, type AnswerRules, type EvaluationInput, type FinalOutcome } from '../rate/submission.js';

/** States in which the server takes the rater's re-rating (its RERATE transition). */
const ACCEPTING = new Set(['FED_BACK', 'CALLED_BACK', 'CLOSED']);

/**
 * How rerateRectification's refusals read. It has no code of its own for "already rated": a resend is
 * refused as an ILLEGAL_TRANSITION in a state that takes re-ratings, which is read as ALREADY_RERATED
 * (so a lost answer followed by a resend counts once); in any other state (the rating was invalidated)
 * the case no longer takes one. CONFLICT means the case changed meanwhile and nothing was stored.
 */
export const RERATE_ANSWERS: AnswerRules = {
  retryable: new Set([...RETRYABLE, 'CONFLICT']),
  duplicate: 'ALREADY_RERATED',
  codeOf: (error: GraphQLErrorShape) => {
    const code = error.extensions?.code;
    if (code !== 'ILLEGAL_TRANSITION') return code;
    return ACCEPTING.has(String(error.extensions?.state)) ? 'ALREADY_RERATED' : 'CASE_CLOSED';
  },
};

/** The mutation's variables for the answer kept on the device. */
export function rerateVariables(input: EvaluationInput): Record<string, unknown> {
  return { token: input.token, level: input.level };
}

export type ReratePhase = 'loading' | 'form' | 'sending' | 'done' | 'expired' | 'invalid' | 'used' | 'closed';

/** What the link shows before the levels (the rerateTicket query). */
export interface RerateTicket {
  projectNo: string;
  itemName: string;
  departmentName: string;
  ratedAt: string;
  reply: string | null;
  resolvedAt: string | null;
  rerated: boolean;
  accepting: boolean;
}

/** The page the link's ticket leads to, before anything is sent; `code` is the error code when there is no ticket. */
export function phaseOfTicket(ticket: RerateTicket | null, code: string | undefined): ReratePhase {
  if (!ticket) return code === 'TOKEN_EXPIRED' ? 'expired' : 'invalid';
  if (ticket.rerated) return 'used';
  return ticket.accepting ? 'form' : 'closed';
}

/** The page a final answer leads to; null: stay on the form and show the server's message. */
export function phaseAfter(outcome: FinalOutcome): ReratePhase | null {
  if (outcome.kind === 'success') return 'done';
  switch (outcome.code) {
    case 'ALREADY_RERATED':
      return 'used';
    case 'CASE_CLOSED':
      return 'closed';
    case 'TOKEN_EXPIRED':
      return 'expired';
    case 'UNAUTHENTICATED':
    case 'NOT_FOUND':
      return 'invalid';
    default:
      return null;
  }
}
