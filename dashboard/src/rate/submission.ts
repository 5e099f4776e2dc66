import { backoffDelay } from '../api/backoff.js';
import type { Credentials } from '../api/credentials.js';
import { errorCode, NetworkError, request, type GraphQLResult } from '../api/http.js';

/** What a rating page or device sends (SubmitEvaluationInput). */
export interface EvaluationInput {
  token?: string;
  projectNo?: string;
  serviceNumber?: number;
  level: number;
  dimensions?: Array<{ key: string; level: number }> | null;
  tags?: string[];
  comment?: string | null;
}

export type Outcome =
  | { kind: 'success'; duplicate: boolean }
  | { kind: 'retry'; reason: string }
  | { kind: 'failed'; code: string; message: string };

/** Server answers that mean "try again later": the rating was not stored, and sending again is safe. */
const RETRYABLE = new Set(['INTERNAL_SERVER_ERROR', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE']);

/**
 * What an answer means for a rating that may have been sent before. The server stores one rating per
 * service (R9), so resending is safe; if an earlier attempt may have reached it (`sentBefore`), an
 * ALREADY_RATED answer means that attempt landed: success, never a second rating.
 */
export function classifyAnswer(answer: GraphQLResult<unknown> | NetworkError, sentBefore: boolean): Outcome {
  if (answer instanceof NetworkError) return { kind: 'retry', reason: answer.message };
  const code = errorCode(answer);
  if (!code && answer.data) return { kind: 'success', duplicate: false };
  if (code === 'ALREADY_RATED' && sentBefore) return { kind: 'success', duplicate: true };
  if (!code || RETRYABLE.has(code)) return { kind: 'retry', reason: answer.errors?.[0]?.message ?? 'no answer' };
  return { kind: 'failed', code, message: answer.errors?.[0]?.message ?? code };
}

/** How a send ends: the server has the rating, or it answered that it will not take it. */
export type FinalOutcome = Exclude<Outcome, { kind: 'retry' }>;

/** A rating kept on the device until the server has it: survives reloads and lost connections. */
export interface PendingRating { input: EvaluationInput; attempts: number; status: 'pending' | 'done'; savedAt: number }

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
  return { load: () => value, save: (v) => { value = v; } };
}

export interface SendOptions {
  credentials?: Credentials;
  signal?: AbortSignal;
  onRetry?(attempt: number, reason: string): void;
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
      answer = await request(query, { input: pending.input }, options.credentials, options.signal);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      answer = err instanceof NetworkError ? err : new NetworkError(String(err));
    }
    const outcome = classifyAnswer(answer, sentBefore);
    if (outcome.kind === 'success') {
      store.save({ ...pending, attempts: pending.attempts + 1, status: 'done' });
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
