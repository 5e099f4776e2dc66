/** Loading what a rating page shows before the levels (the rating and re-rating pages). */
import { backoffDelay } from '../api/backoff.js';
import { errorCode, NetworkError, request } from '../api/http.js';
import { RETRYABLE } from './submission.js';

export interface TicketAnswer<T> {
  ticket: T | null;
  code: string | undefined;
}

/**
 * Asks for a link's ticket until the server says something about the link itself: network failures
 * and a busy or restarting server are retried with backoff (`onRetry` says which). Resolves to null
 * when the page is left first.
 */
export async function fetchTicket<T>(
  query: string,
  token: string,
  field: string,
  options: { signal: AbortSignal; onRetry(offline: boolean): void; baseMs?: number },
): Promise<TicketAnswer<T> | null> {
  for (let attempt = 0; ; attempt++) {
    let offline = false;
    try {
      const res = await request<Record<string, T>>(query, { token }, {}, options.signal);
      const ticket = res.data?.[field] ?? null;
      const code = errorCode(res);
      if (ticket || !code || !RETRYABLE.has(code)) return { ticket, code };
    } catch (err) {
      if (options.signal.aborted || !(err instanceof NetworkError)) return null;
      offline = true;
    }
    options.onRetry(offline);
    await new Promise((done) => setTimeout(done, backoffDelay(attempt, { baseMs: options.baseMs ?? 1_000 })));
    if (options.signal.aborted) return null;
  }
}
