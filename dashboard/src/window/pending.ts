import { NetworkError, type GraphQLResult } from '../api/http.js';
import { backoffDelay } from '../api/backoff.js';
import { newSubmissionId } from '../common/submission-id.js';
import type { EvaluationInput } from '../rate/submission.js';

/**
 * An answer given at a window evaluator or terminal, kept on the device until the server has it:
 * `saved` (waiting to be sent, or to be sent again) → `sending` (a request may be in flight) →
 * `sent`, or `failed` when the server refused it for good. `sent` and `failed` answers are kept a
 * little while (to skip their presentation if it is replayed, and to show the refusal), then pruned.
 */
export interface PendingAnswer {
  /** Generated on the device, sent with the answer once the server takes it: a resend is recognised. */
  submissionId: string;
  /** `window:1`, `terminal:3`: the page that took the answer sends it, with its own key. */
  device: string;
  input: EvaluationInput;
  state: 'saved' | 'sending' | 'sent' | 'failed';
  /** Requests started for this answer; counted before each leaves, so a reload mid-request knows one may have landed. */
  attempts: number;
  savedAt: number;
  updatedAt: number;
  /** `sent`: the server answered ALREADY_RATED (an earlier attempt landed, or the service had its rating already). */
  duplicate?: boolean;
  /** `failed`: the refusal's code and message. */
  code?: string;
  message?: string;
}

/** How one answer from the server reads for the queue. */
export type Delivery = { kind: 'sent'; duplicate: boolean } | { kind: 'retry'; reason: string } | { kind: 'failed'; code: string; message: string };

/**
 * Whether the server's SubmitEvaluationInput has `submissionId` (a resend with the same id returns the
 * stored rating). A server without it refuses unknown input fields, so this must match the committed
 * schema (test/dashboard/device-pending.test.ts checks it against schema/schema.graphql).
 */
export const SERVER_TAKES_SUBMISSION_ID = true;

/** The variables of submitEvaluation for one answer: the one place the submissionId is sent or held back. */
export function submissionVariables(a: Pick<PendingAnswer, 'input' | 'submissionId'>, takesId = SERVER_TAKES_SUBMISSION_ID): { input: EvaluationInput } {
  return { input: takesId ? { ...a.input, submissionId: a.submissionId } : a.input };
}

/** Codes meaning nothing was stored and the server may take the answer later. */
export const RETRY_CODES: ReadonlySet<string> = new Set(['INTERNAL_SERVER_ERROR', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'UNAVAILABLE']);

/** After this long, sent and refused answers leave the device's storage. */
export const KEEP_FINISHED_MS = 24 * 3600_000;
/** At most this many sent and refused answers are kept (a busy window takes hundreds a day). */
export const KEEP_FINISHED = 50;

export function newAnswer(device: string, input: EvaluationInput, now: number, submissionId = newSubmissionId()): PendingAnswer {
  return { submissionId, device, input, state: 'saved', attempts: 0, savedAt: now, updatedAt: now };
}

/** Whether the answer still waits for the server. */
export function isWaiting(a: Pick<PendingAnswer, 'state'>): boolean {
  return a.state === 'saved' || a.state === 'sending';
}

/** Marks a request as started; stored before the request leaves. */
export function startAttempt(a: PendingAnswer, now: number): PendingAnswer {
  return { ...a, state: 'sending', attempts: a.attempts + 1, updatedAt: now };
}

/** The answer after the server's (or the network's) reply to one attempt. */
export function settle(a: PendingAnswer, delivery: Delivery, now: number): PendingAnswer {
  const base = { ...a, updatedAt: now };
  switch (delivery.kind) {
    case 'sent':
      return { ...base, state: 'sent', duplicate: delivery.duplicate };
    case 'failed':
      return { ...base, state: 'failed', code: delivery.code, message: delivery.message };
    case 'retry':
      return { ...base, state: 'saved' };
  }
}

/**
 * What a reply to submitEvaluation means for a device's answer. ALREADY_RATED is delivered: either
 * an earlier attempt of this answer landed (its reply was lost), or the service got its one rating
 * another way (R9); in both cases sending again can never help. Any other refusal is final.
 */
export function classifyDelivery(answer: GraphQLResult<unknown> | NetworkError): Delivery {
  if (answer instanceof NetworkError) return { kind: 'retry', reason: answer.message };
  const first = answer.errors?.[0];
  const code = first?.extensions?.code;
  if (!first && answer.data) return { kind: 'sent', duplicate: false };
  if (code === 'ALREADY_RATED') return { kind: 'sent', duplicate: true };
  if (!code || RETRY_CODES.has(code)) return { kind: 'retry', reason: first?.message ?? 'no answer' };
  return { kind: 'failed', code, message: first?.message ?? code };
}

/** The wait before the next attempt: from 1 s up to 8 s, so an answer leaves within seconds of the network's return. */
export function retryDelay(attempts: number, random: () => number = Math.random): number {
  return backoffDelay(Math.max(0, attempts - 1), { baseMs: 1_000, maxMs: 8_000, random });
}

/** The answers of one device still waiting, oldest first: the order they are sent in. */
export function waitingOf(answers: readonly PendingAnswer[], device: string): PendingAnswer[] {
  return answers.filter((a) => a.device === device && isWaiting(a)).sort((x, y) => x.savedAt - y.savedAt);
}

/**
 * Whether the device already holds an answer for this service: a presentation replayed after a
 * reload or a reconnect must not ask the citizen again while the first answer is still on its way.
 */
export function answeredHere(answers: readonly PendingAnswer[], projectNo: string, serviceNumber: number): boolean {
  return answers.some((a) => a.state !== 'failed' && a.input.projectNo === projectNo && a.input.serviceNumber === serviceNumber);
}

/** Finished answers to delete: older than KEEP_FINISHED_MS, or beyond the newest KEEP_FINISHED. Waiting ones are never pruned. */
export function prunable(answers: readonly PendingAnswer[], now: number): string[] {
  const finished = answers.filter((a) => !isWaiting(a)).sort((x, y) => y.updatedAt - x.updatedAt);
  return finished.filter((a, i) => i >= KEEP_FINISHED || now - a.updatedAt > KEEP_FINISHED_MS).map((a) => a.submissionId);
}
