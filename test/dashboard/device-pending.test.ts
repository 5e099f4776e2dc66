import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NetworkError, type GraphQLResult } from '../../dashboard/src/api/http.js';
import {
  answeredHere,
  classifyDelivery,
  KEEP_FINISHED,
  KEEP_FINISHED_MS,
  newAnswer,
  prunable,
  retryDelay,
  SERVER_TAKES_SUBMISSION_ID,
  settle,
  startAttempt,
  submissionVariables,
  waitingOf,
  type PendingAnswer,
} from '../../dashboard/src/window/pending.js';
import { newSubmissionId } from '../../dashboard/src/common/submission-id.js';
import { memoryAnswerStore } from '../../dashboard/src/window/pending-store.js';
import { SendQueue } from '../../dashboard/src/window/send-queue.js';

const ok = { data: { submitEvaluation: { id: 1 } } };
const refused = (code: string) => ({ errors: [{ message: `refused: ${code}`, extensions: { code } }] });
const input = (projectNo = 'P1') => ({ projectNo, serviceNumber: 1, level: 5, tags: [] as string[] });

describe('a device answer: saved → sending → sent or failed', () => {
  it('gets a 32-hex submission id that fits the server field (8–64 of [A-Za-z0-9_-])', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newSubmissionId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('counts each attempt before it leaves and moves through the states', () => {
    const saved = newAnswer('window:1', input(), 1000, 'id-00000001');
    expect(saved).toMatchObject({ state: 'saved', attempts: 0, savedAt: 1000 });
    const sending = startAttempt(saved, 1001);
    expect(sending).toMatchObject({ state: 'sending', attempts: 1, updatedAt: 1001 });
    expect(settle(sending, { kind: 'retry', reason: 'offline' }, 1002)).toMatchObject({ state: 'saved', attempts: 1 });
    expect(settle(sending, { kind: 'sent', duplicate: false }, 1002)).toMatchObject({ state: 'sent', duplicate: false });
    expect(settle(sending, { kind: 'failed', code: 'RATING_WINDOW_CLOSED', message: 'closed' }, 1002)).toMatchObject({
      state: 'failed',
      code: 'RATING_WINDOW_CLOSED',
    });
  });

  it('retries on network errors and server faults, counts ALREADY_RATED as delivered, drops other refusals (R9)', () => {
    expect(classifyDelivery(new NetworkError('Failed to fetch'))).toEqual({ kind: 'retry', reason: 'Failed to fetch' });
    for (const code of ['INTERNAL_SERVER_ERROR', 'RATE_LIMITED', 'UNAVAILABLE']) expect(classifyDelivery(refused(code)).kind).toBe('retry');
    expect(classifyDelivery({})).toMatchObject({ kind: 'retry' });
    expect(classifyDelivery(ok)).toEqual({ kind: 'sent', duplicate: false });
    expect(classifyDelivery(refused('ALREADY_RATED'))).toEqual({ kind: 'sent', duplicate: true });
    for (const code of ['BAD_USER_INPUT', 'RATING_WINDOW_CLOSED', 'FORBIDDEN', 'NOT_FOUND', 'TAG_OR_COMMENT_REQUIRED']) {
      expect(classifyDelivery(refused(code))).toEqual({ kind: 'failed', code, message: `refused: ${code}` });
    }
  });

  it('retries after 1 s at first and never waits more than 8 s', () => {
    expect(retryDelay(1, () => 1)).toBe(1000);
    expect(retryDelay(2, () => 1)).toBe(2000);
    expect(retryDelay(30, () => 1)).toBe(8000);
    expect(retryDelay(30, () => 0)).toBe(4000);
  });

  it('sends the submission id only once the server takes it', () => {
    const a = newAnswer('window:1', input(), 0, 'abcdefgh12');
    expect(submissionVariables(a, false)).toEqual({ input: input() });
    expect(submissionVariables(a, true)).toEqual({ input: { ...input(), submissionId: 'abcdefgh12' } });
  });

  it('sends the submission id exactly when the committed schema has SubmitEvaluationInput.submissionId', () => {
    const fields = /input SubmitEvaluationInput \{([^}]*)\}/.exec(readFileSync('schema/schema.graphql', 'utf8'))![1]!;
    expect(SERVER_TAKES_SUBMISSION_ID).toBe(/^\s*submissionId\s*:/m.test(fields));
  });

  it('lists the waiting answers of one device oldest first, and knows the services it holds answers for', () => {
    const a = newAnswer('window:1', input('P2'), 20, 'a');
    const b = newAnswer('window:1', input('P1'), 10, 'b');
    const other = newAnswer('terminal:1', input('P3'), 5, 'c');
    const sent = { ...newAnswer('window:1', input('P4'), 1, 'd'), state: 'sent' as const };
    const failed = { ...newAnswer('window:1', input('P5'), 1, 'e'), state: 'failed' as const };
    expect(waitingOf([a, b, other, sent, failed], 'window:1').map((x) => x.submissionId)).toEqual(['b', 'a']);
    expect(answeredHere([a, sent, failed], 'P2', 1)).toBe(true);
    expect(answeredHere([a, sent, failed], 'P4', 1)).toBe(true);
    expect(answeredHere([a, sent, failed], 'P5', 1)).toBe(false);
    expect(answeredHere([a], 'P2', 2)).toBe(false);
  });

  it('prunes finished answers by age and count, never a waiting one', () => {
    const now = 10 * KEEP_FINISHED_MS;
    const finished = Array.from({ length: KEEP_FINISHED + 3 }, (_, i) => ({
      ...newAnswer('window:1', input(`F${i}`), i, `f${i}`),
      state: 'sent' as const,
      updatedAt: now - i,
    }));
    const old = { ...newAnswer('window:1', input('OLD'), 0, 'old'), state: 'failed' as const, updatedAt: now - KEEP_FINISHED_MS - 1 };
    const waiting = { ...newAnswer('window:1', input('W'), 0, 'w'), updatedAt: 0 };
    expect(prunable([...finished, old, waiting], now).sort()).toEqual(['f50', 'f51', 'f52', 'old'].sort());
  });
});

/** A server stand-in: replies in order, records what it was sent, one request at a time. */
function fakeServer(replies: Array<GraphQLResult<unknown> | NetworkError>) {
  const sent: PendingAnswer[] = [];
  let inFlight = 0;
  let most = 0;
  return {
    sent,
    most: () => most,
    send: async (a: PendingAnswer) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      sent.push(a);
      await Promise.resolve();
      inFlight -= 1;
      return replies.shift() ?? ok;
    },
  };
}

describe('SendQueue', () => {
  it('stores an answer before it sends it, and sends it once (R9)', async () => {
    const store = memoryAnswerStore();
    const server = fakeServer([ok]);
    const queue = new SendQueue({
      device: 'window:1',
      store,
      send: async (a) => {
        expect((await store.all()).find((s) => s.submissionId === a.submissionId)).toMatchObject({ state: 'sending', attempts: 1 });
        return server.send(a);
      },
    });
    const added = await queue.add(input());
    expect((await store.all())[0]).toMatchObject({ submissionId: added.submissionId, state: expect.stringMatching(/saved|sending/) });
    await queue.idle();
    expect(server.sent).toHaveLength(1);
    expect((await store.all())[0]).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('retries through the network being down, with backoff, and is cut short by a kick', async () => {
    const store = memoryAnswerStore();
    const server = fakeServer([new NetworkError('down'), new NetworkError('down'), ok]);
    const waits: number[] = [];
    const queue = new SendQueue({
      device: 'window:1',
      store,
      send: server.send,
      wait: async (ms) => {
        waits.push(ms);
      },
    });
    await queue.add(input());
    await queue.idle();
    expect(server.sent.map((a) => a.attempts)).toEqual([1, 2, 3]);
    expect(waits).toHaveLength(2);
    expect(waits.every((ms) => ms >= 500 && ms <= 8000)).toBe(true);
    expect(queue.list()[0]).toMatchObject({ state: 'sent', attempts: 3 });

    // A real wait resolves as soon as the queue is kicked (the live connection came back).
    const slow = new SendQueue({ device: 'window:1', store: memoryAnswerStore(), send: fakeServer([new NetworkError('down'), ok]).send });
    await slow.add(input('P9'));
    await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    slow.kick();
    await slow.idle();
    expect(Date.now() - started).toBeLessThan(400);
    expect(slow.list()[0]!.state).toBe('sent');
  });

  it('resumes after a reload: an answer caught mid-request is sent again and ALREADY_RATED counts as sent', async () => {
    // The page was closed while the request was out: the store says "sending", attempt 1.
    const caught = startAttempt(newAnswer('window:1', input(), 1, 'caught-1'), 2);
    const store = memoryAnswerStore([caught]);
    const server = fakeServer([refused('ALREADY_RATED')]);
    const changes: string[] = [];
    const queue = new SendQueue({ device: 'window:1', store, send: server.send, onChange: (list) => changes.push(list.map((a) => a.state).join()) });
    await queue.load();
    await queue.idle();
    expect(server.sent).toHaveLength(1);
    expect(server.sent[0]).toMatchObject({ submissionId: 'caught-1', attempts: 2 });
    expect((await store.all())[0]).toMatchObject({ state: 'sent', duplicate: true });
    expect(changes.at(-1)).toBe('sent');
  });

  it('shows and drops a refused answer, then sends the next one; one request at a time, oldest first', async () => {
    const store = memoryAnswerStore();
    const server = fakeServer([refused('RATING_WINDOW_CLOSED'), ok]);
    const queue = new SendQueue({
      device: 'window:1',
      store,
      send: server.send,
      now: (() => {
        let t = 0;
        return () => ++t;
      })(),
    });
    await queue.add(input('OLD'));
    await queue.add(input('NEW'));
    await queue.idle();
    expect(server.sent.map((a) => a.input.projectNo)).toEqual(['OLD', 'NEW']);
    expect(server.most()).toBe(1);
    expect(queue.list().map((a) => [a.input.projectNo, a.state, a.code])).toEqual([
      ['OLD', 'failed', 'RATING_WINDOW_CLOSED'],
      ['NEW', 'sent', undefined],
    ]);
  });

  it("sends only its own device's answers and leaves the others stored", async () => {
    const other = newAnswer('terminal:1', input('T'), 1, 'other');
    const store = memoryAnswerStore([other]);
    const server = fakeServer([]);
    const queue = new SendQueue({ device: 'window:1', store, send: server.send });
    await queue.load();
    await queue.idle();
    expect(server.sent).toEqual([]);
    expect(queue.list()).toEqual([]);
    expect(await store.all()).toHaveLength(1);
  });

  it('stops between attempts and keeps what is stored for the next page', async () => {
    const store = memoryAnswerStore();
    const server = fakeServer([new NetworkError('down')]);
    const queue: SendQueue = new SendQueue({
      device: 'window:1',
      store,
      send: async (a) => {
        queue.stop();
        return server.send(a);
      },
      wait: () => new Promise(() => undefined),
    });
    await queue.add(input());
    await queue.idle();
    expect((await store.all())[0]).toMatchObject({ state: 'saved', attempts: 1 });
  });
});

describe('SendQueue when the disk refuses', () => {
  it('still takes the answer and sends it from memory', async () => {
    const store = { ...memoryAnswerStore(), durable: true, put: async () => Promise.reject(new Error('QuotaExceededError')) };
    const server = fakeServer([ok]);
    const queue = new SendQueue({ device: 'window:1', store, send: server.send });
    await queue.add(input());
    await queue.idle();
    expect(server.sent).toHaveLength(1);
    expect(queue.list()[0]!.state).toBe('sent');
  });
});
