import { backoffDelay } from '../api/backoff.js';
import { newSubmissionId } from '../common/submission-id.js';
import type { Credentials } from '../api/credentials.js';
import { NetworkError, request, type GraphQLErrorShape, type GraphQLResult } from '../api/http.js';

/** What a rating page or device sends (SubmitEvaluationInput). */
export interface EvaluationInput {
  token?: string;
  projectNo?: string;
  serviceNumber?: number;
  level: number;
  dimensions?: Array<{ key: string; level: number }> | null;
  tags?: string[];
  comment?: string | null;
  /** Made once per answer and kept with it (R9): a resend with the same id gets the stored rating back, never a second one. */
  submissionId?: string;
}

export type Outcome = { kind: 'success'; duplicate: boolean } | { kind: 'retry'; reason: string } | { kind: 'failed'; code: string; message: string };

/** Server answers that mean "try again later": the rating was not stored, and sending again is safe. */
export const RETRYABLE: ReadonlySet<string> = new Set(['INTERNAL_SERVER_ERROR', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE']);

/** How one mutation's refusals read, so every page that sends an answer once shares the loop below. */
export interface AnswerRules {
  /** Codes meaning nothing was stored and sending again is safe. */
  retryable: ReadonlySet<string>;
  /** The code of the refusal a resend gets once the server has the answer; null where a resend always gets the stored answer back. */
  duplicate: string | null;
  /** The code a refusal is acted on by (default: `extensions.code`). */
  codeOf(error: GraphQLErrorShape): string | undefined;
}

/** The rules of submitEvaluation: one rating per service (R9), so a resend is refused with ALREADY_RATED. */
export const RATING_ANSWERS: AnswerRules = { retryable: RETRYABLE, duplicate: 'ALREADY_RATED', codeOf: (e) => e.extensions?.code };

/**
 * What an answer means for a rating that may have been sent before. The server stores one rating per
 * service (R9), so resending is safe; if an earlier attempt may have reached it (`sentBefore`), an
 * ALREADY_RATED answer (the `duplicate` of other rules) means that attempt landed: success, never a second rating.
 */
export function classifyAnswer(answer: GraphQLResult<unknown> | NetworkError, sentBefore: boolean, rules: AnswerRules = RATING_ANSWERS): Outcome {
  if (answer instanceof NetworkError) return { kind: 'retry', reason: answer.message };
  const first = answer.errors?.[0];
  const code = first ? rules.codeOf(first) : undefined;
  if (!code && answer.data) return { kind: 'success', duplicate: false };
  if (code === rules.duplicate && sentBefore) return { kind: 'success', duplicate: true };
  if (!code || rules.retryable.has(code)) return { kind: 'retry', reason: first?.message ?? 'no answer' };
  return { kind: 'failed', code, message: first?.message ?? code };
}

/** How a send ends: the server has the rating, or it answered that it will not take it. */
export type FinalOutcome = Exclude<Outcome, { kind: 'retry' }>;

/** A rating kept on the device until the server has it: survives reloads and lost connections. */
export interface PendingRating {
  input: EvaluationInput;
  attempts: number;
  status: 'pending' | 'done';
  savedAt: number;
  /** The server's `data` for the answer once it has it: a page opened again shows what came back (the follow-up link). */
  reply?: Record<string, unknown> | null;
}

/** A new answer to keep until the server has it, with its submissionId made once here: every resend carries the same id (R9). */
export function newPendingRating(input: EvaluationInput, now: number, submissionId = newSubmissionId()): PendingRating {
  return { input: { ...input, submissionId }, attempts: 0, status: 'pending', savedAt: now };
}

export interface RatingStore {
  load(): PendingRating | null;
  save(value: PendingRating): void;
}

/** localStorage, keyed by the rating token's signature (unique per receipt), or by service for devices. */
export function localRatingStore(key: string): RatingStore {
  const name = `hcp.rating.${key}`;
  return {
    load() {
      try {
        const raw = localStorage.getItem(name);
        return raw ? (JSON.parse(raw) as PendingRating) : null;
      } catch {
        return null;
      }
    },
    save(value) {
      try {
        localStorage.setItem(name, JSON.stringify(value));
      } catch {
        // No storage (private mode): retries still run while the page stays open.
      }
    },
  };
}

/** An in-memory store, for devices that must not keep a rating after they return to idle. */
export function memoryRatingStore(): RatingStore {
  let value: PendingRating | null = null;
  return {
    load: () => value,
    save: (v) => {
      value = v;
    },
  };
}

export interface SendOptions {
  credentials?: Credentials;
  signal?: AbortSignal;
  onRetry?(attempt: number, reason: string): void;
  /** The mutation's variables for the saved answer; by default `{ input }` (submitEvaluation). */
  variables?(input: EvaluationInput): Record<string, unknown>;
  /** How the mutation's answers read; by default submitEvaluation's. */
  rules?: AnswerRules;
  /** Waits before a retry; by default backoff, cut short when the browser comes back online. */
  wait?(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Sends a rating until the server has answered for it: retries on network errors with backoff, one
 * request at a time, and counts every attempt in the store before it leaves, so a reload mid-request
 * resumes as "sent before" (ALREADY_RATED then means the earlier attempt landed).
 */
export async function sendRating(query: string, store: RatingStore, options: SendOptions = {}): Promise<FinalOutcome> {
  const wait = options.wait ?? waitOrOnline;
  for (;;) {
    const pending = store.load();
    if (!pending) return { kind: 'failed', code: 'NO_RATING', message: 'nothing to send' };
    if (pending.status === 'done') return { kind: 'success', duplicate: true };
    const sentBefore = pending.attempts > 0;
    store.save({ ...pending, attempts: pending.attempts + 1 });
    let answer: GraphQLResult<unknown> | NetworkError;
    try {
      answer = await request(query, options.variables?.(pending.input) ?? { input: pending.input }, options.credentials, options.signal);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      answer = err instanceof NetworkError ? err : new NetworkError(String(err));
    }
    const outcome = classifyAnswer(answer, sentBefore, options.rules);
    if (outcome.kind === 'success') {
      const reply = answer instanceof NetworkError ? null : ((answer.data as Record<string, unknown> | null | undefined) ?? null);
      store.save({ ...pending, attempts: pending.attempts + 1, status: 'done', reply });
      return outcome;
    }
    if (outcome.kind === 'failed') {
      // The server answered and stored nothing: a corrected rating is a first attempt again.
      store.save({ ...pending, attempts: 0 });
      return outcome;
    }
    options.onRetry?.(pending.attempts + 1, outcome.reason);
    await wait(backoffDelay(pending.attempts, { baseMs: 1_000, maxMs: 20_000 }), options.signal);
  }
}

function waitOrOnline(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener('online', done);
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const abort = () => {
      clearTimeout(timer);
      window.removeEventListener('online', done);
      reject(signal?.reason ?? new Error('aborted'));
    };
    const timer = setTimeout(done, ms);
    window.addEventListener('online', done);
    signal?.addEventListener('abort', abort);
  });
}
