import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchTicket } from '../../dashboard/src/rate/ticket.js';

const respond = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
const refused = (code: string) => respond({ errors: [{ message: code, extensions: { code } }] });
const ticket = { projectNo: 'P1', rated: false };

afterEach(() => vi.unstubAllGlobals());

describe("loading a rating page's ticket", () => {
  it('asks again through a lost network and a busy server, and reports which it was', async () => {
    const answers = [
      () => Promise.reject(new TypeError('Failed to fetch')),
      () => Promise.resolve(refused('INTERNAL_SERVER_ERROR')),
      () => Promise.resolve(respond({ data: { ratingTicket: ticket } })),
    ];
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answers.shift()!()),
    );
    const retries: boolean[] = [];
    const answer = await fetchTicket('query', 't', 'ratingTicket', {
      signal: new AbortController().signal,
      onRetry: (offline) => retries.push(offline),
      baseMs: 1,
    });
    expect(answer).toEqual({ ticket, code: undefined });
    expect(retries).toEqual([true, false]);
  });

  it('gives an answer about the link itself at once (expired, not a link)', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => refused('TOKEN_EXPIRED')),
    );
    const onRetry = vi.fn();
    expect(await fetchTicket('query', 't', 'ratingTicket', { signal: new AbortController().signal, onRetry, baseMs: 1 })).toEqual({
      ticket: null,
      code: 'TOKEN_EXPIRED',
    });
    expect(onRetry).not.toHaveBeenCalled();
  });

  it('stops asking once the page is left', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => refused('SERVICE_UNAVAILABLE')),
    );
    const abort = new AbortController();
    const answer = fetchTicket('query', 't', 'ratingTicket', { signal: abort.signal, onRetry: () => abort.abort(), baseMs: 1 });
    expect(await answer).toBeNull();
  });
});
