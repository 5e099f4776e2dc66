import type { GraphQLResult, NetworkError } from '../api/http.js';
import type { EvaluationInput } from '../rate/submission.js';
import { classifyDelivery, newAnswer, prunable, retryDelay, settle, startAttempt, waitingOf, type PendingAnswer } from './pending.js';
import type { AnswerStore } from './pending-store.js';

export interface SendQueueOptions {
  /** `window:1`, `terminal:3`: this page sends only its own device's answers. */
  device: string;
  store: AnswerStore;
  /** One request for one answer; resolves with the server's reply or the NetworkError, never rejects. */
  send(answer: PendingAnswer): Promise<GraphQLResult<unknown> | NetworkError>;
  now?(): number;
  /** Waits before a retry; resolves early when `wake` aborts (the queue was kicked). */
  wait?(ms: number, wake: AbortSignal): Promise<void>;
  /** Called with this device's answers after every change, newest last. */
  onChange?(answers: PendingAnswer[]): void;
}

/**
 * The device's outbox: answers are stored first (durably), then sent one at a time, oldest first,
 * until the server has each of them; a reload resumes where the last page stopped. Each step of an
 * answer is written before it happens, so a power cut at any moment loses nothing and sends nothing twice.
 */
export class SendQueue {
  private answers = new Map<string, PendingAnswer>();
  private running: Promise<void> | null = null;
  private wake = new AbortController();
  private kicked = false;
  private stopped = false;
  private readonly now: () => number;
  private readonly wait: (ms: number, wake: AbortSignal) => Promise<void>;

  constructor(private readonly options: SendQueueOptions) {
    this.now = options.now ?? Date.now;
    this.wait = options.wait ?? sleep;
  }

  /** This device's answers, oldest first. */
  list(): PendingAnswer[] {
    return [...this.answers.values()].filter((a) => a.device === this.options.device).sort((x, y) => x.savedAt - y.savedAt);
  }

  /** Reads what the device kept (a reload or power cut may have left answers waiting), prunes old ones, and sends the rest. */
  async load(): Promise<void> {
    for (const a of await this.options.store.all()) this.answers.set(a.submissionId, a);
    await this.prune();
    this.changed();
    this.start();
  }

  /** Stores a new answer (resolves once it is on disk, or in memory if the disk refuses), then sends it in the background. */
  async add(input: EvaluationInput): Promise<PendingAnswer> {
    // A plain copy: the page's reactive arrays cannot be stored by IndexedDB.
    const answer = newAnswer(this.options.device, JSON.parse(JSON.stringify(input)) as EvaluationInput, this.now());
    this.answers.set(answer.submissionId, answer);
    // Storage failing (disk full) must not turn the citizen away: memory holds the answer while the page runs.
    await this.options.store.put(answer).catch(() => undefined);
    this.changed();
    this.start();
    return answer;
  }

  /** The server or the network is back: retry now instead of at the end of the backoff. */
  kick(): void {
    if (!this.running) return this.start();
    this.kicked = true;
    this.wake.abort();
  }

  /** Stops sending (the page is leaving); what is stored stays for the next page. */
  stop(): void {
    this.stopped = true;
    this.wake.abort();
  }

  /** Resolves when nothing is being sent (tests). */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private start(): void {
    if (this.running || this.stopped) return;
    this.running = this.run().finally(() => {
      this.running = null;
    });
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const next = waitingOf(this.list(), this.options.device)[0];
      if (!next) return;
      const attempt = startAttempt(next, this.now());
      await this.save(attempt);
      if (this.stopped) return;
      const settled = settle(attempt, classifyDelivery(await this.options.send(attempt)), this.now());
      // Answers are never stopped half-way: the reply is recorded even if the page is leaving.
      await this.save(settled);
      // A kiosk runs for months without a reload: finished answers leave memory and disk as they age.
      if (settled.state !== 'saved') await this.prune();
      if (this.stopped) return;
      if (settled.state === 'saved') {
        // A kick during the request (the connection came back meanwhile) means: try again at once.
        if (this.kicked) {
          this.kicked = false;
          continue;
        }
        this.wake = new AbortController();
        await this.wait(retryDelay(settled.attempts), this.wake.signal);
        this.kicked = false;
      }
    }
  }

  private async save(answer: PendingAnswer): Promise<void> {
    this.answers.set(answer.submissionId, answer);
    this.changed();
    // Storage failing (disk full) must not stop sending: memory still holds the answer while the page runs.
    await this.options.store.put(answer).catch(() => undefined);
  }

  private async prune(): Promise<void> {
    const drop = prunable([...this.answers.values()], this.now());
    for (const id of drop) this.answers.delete(id);
    await this.options.store.delete(drop).catch(() => undefined);
  }

  private changed(): void {
    this.options.onChange?.(this.list());
  }
}

/** Waits `ms`, or until `wake` aborts or the browser says it is back online. */
export function sleep(ms: number, wake: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      wake.removeEventListener('abort', finish);
      if (typeof window !== 'undefined') window.removeEventListener('online', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    if (wake.aborted) return finish();
    wake.addEventListener('abort', finish);
    if (typeof window !== 'undefined') window.addEventListener('online', finish);
  });
}
