import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkError } from '../../dashboard/src/api/http.js';
import { classifyAnswer, memoryRatingStore, newPendingRating, sendRating, type PendingRating } from '../../dashboard/src/rate/submission.js';

const ok = { data: { submitEvaluation: { id: 1 } } };
const err = (code: string) => ({ errors: [{ message: code, extensions: { code } }] });

describe('classifyAnswer', () => {
  it('retries on network errors and on server faults, never on a refusal', () => {
    expect(classifyAnswer(new NetworkError('offline'), false).kind).toBe('retry');
    expect(classifyAnswer(err('INTERNAL_SERVER_ERROR'), false).kind).toBe('retry');
    expect(classifyAnswer(err('RATE_LIMITED'), true).kind).toBe('retry');
    expect(classifyAnswer(err('TOKEN_EXPIRED'), false)).toEqual({ kind: 'failed', code: 'TOKEN_EXPIRED', message: 'TOKEN_EXPIRED' });
    expect(classifyAnswer(ok, false)).toEqual({ kind: 'success', duplicate: false });
  });

  it("takes ALREADY_RATED after an earlier attempt as that attempt's success, not a second rating (R9)", () => {
    expect(classifyAnswer(err('ALREADY_RATED'), true)).toEqual({ kind: 'success', duplicate: true });
    expect(classifyAnswer(err('ALREADY_RATED'), false)).toMatchObject({ kind: 'failed', code: 'ALREADY_RATED' });
  });
});

describe('sendRating', () => {
  afterEach(() => vi.unstubAllGlobals());
  const pending = (): PendingRating => ({ input: { token: 't', level: 5 }, attempts: 0, status: 'pending', savedAt: 0 });
  const respond = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

  it('retries through a lost answer and ends in success exactly once, one request at a time', async () => {
    const answers: Array<() => Promise<Response>> = [
      () => Promise.reject(new TypeError('Failed to fetch')),
      () => Promise.resolve(respond(err('ALREADY_RATED'))),
    ];
    let inFlight = 0;
    let most = 0;
    const fetchMock = vi.fn(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await answers.shift()!();
      } finally {
        inFlight -= 1;
      }
    });
    vi.stubGlobal('fetch', fetchMock);
    const store = memoryRatingStore();
    store.save(pending());
    const retries: number[] = [];
    const outcome = await sendRating('mutation', store, { wait: async () => undefined, onRetry: (n) => retries.push(n) });
    expect(outcome).toEqual({ kind: 'success', duplicate: true });
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(most).toBe(1);
    expect(retries).toEqual([1]);
    expect(store.load()).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('counts the attempt before it leaves, so a reload mid-request resumes as "sent before"', async () => {
    const store = memoryRatingStore();
    store.save(pending());
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        expect(store.load()!.attempts).toBe(1);
        return respond(ok);
      }),
    );
    expect(await sendRating('mutation', store)).toEqual({ kind: 'success', duplicate: false });
  });

  it('does not resend a rating the server already has, and resets after a refusal', async () => {
    const fetchMock = vi.fn(async () => respond(err('BAD_USER_INPUT')));
    vi.stubGlobal('fetch', fetchMock);
    const done = memoryRatingStore();
    done.save({ ...pending(), status: 'done' });
    expect(await sendRating('mutation', done)).toEqual({ kind: 'success', duplicate: true });
    expect(fetchMock).not.toHaveBeenCalled();
    const refused = memoryRatingStore();
    refused.save({ ...pending(), attempts: 2 });
    expect(await sendRating('mutation', refused)).toMatchObject({ kind: 'failed', code: 'BAD_USER_INPUT' });
    expect(refused.load()!.attempts).toBe(0);
  });

  it('sends the submissionId made once with the answer on every resend, and keeps the reply (R9)', async () => {
    const sent: Array<{ input: { submissionId?: string } }> = [];
    const reply = { submitEvaluation: { id: 7, followUpToken: 'f.t', followUpUntil: '2026-11-27T02:00:00.000Z' } };
    const answers = [() => Promise.reject(new TypeError('Failed to fetch')), () => Promise.resolve(respond({ data: reply }))];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) => {
        sent.push((JSON.parse(String(init.body)) as { variables: { input: { submissionId?: string } } }).variables);
        return answers.shift()!();
      }),
    );
    const store = memoryRatingStore();
    store.save(newPendingRating({ token: 't', level: 4 }, 0));
    const id = store.load()!.input.submissionId!;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await sendRating('mutation', store, { wait: async () => undefined })).toEqual({ kind: 'success', duplicate: false });
    expect(sent.map((v) => v.input.submissionId)).toEqual([id, id]);
    expect(store.load()).toMatchObject({ status: 'done', input: { submissionId: id }, reply });
  });

  it('makes a new submissionId for each new answer', () => {
    const a = newPendingRating({ token: 't', level: 5 }, 0);
    const b = newPendingRating({ token: 't', level: 5 }, 0);
    expect(a.input.submissionId).not.toBe(b.input.submissionId);
    expect(newPendingRating({ token: 't', level: 5 }, 0, 'fixed-id-123').input).toEqual({ token: 't', level: 5, submissionId: 'fixed-id-123' });
  });
});
