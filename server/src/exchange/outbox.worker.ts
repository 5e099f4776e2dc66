import type { PiiCipher, Sm2Signer } from '../common/crypto.js';
import type { Kernel } from '../common/kernel.js';
import type { ChangeBus } from '../common/pubsub.js';
import type { OutboxRecord } from '../db/outbox.entities.js';
import { claimOutbox, completeOutbox, failOutbox, releaseOutbox, retryDelay } from '../db/outbox.store.js';
import type { Database, Em } from '../db/orm.js';
import { NotifierError } from '../notify/notifier.js';
import { deliverableMessageTopics, sendMessageRecord, type MessageGateways } from '../notify/notify.service.js';
import { ProvinceClient } from './province.client.js';
import { isTransientStatus, openSealed, PROVINCE_TOPICS, recordTypeOf, type ProvinceVerdict } from './records.logic.js';

/** What delivering the outbox needs. */
export interface ExchangeDeps extends Kernel, Database {
  readonly cipher: PiiCipher;
  /** Under CRYPTO_PROFILE=sm every provincial delivery carries an SM2 signature (`X-Signature-SM2`). */
  readonly deliverySigner: Sm2Signer | null;
  readonly messages: MessageGateways;
  readonly bus: ChangeBus;
}

export interface WorkerRun {
  claimed: number;
  delivered: number;
  failed: number;
}

/**
 * Delivers the outbox (R17, R26): provincial records to PROVINCE_URL, messages through the SMS and portal
 * gateways. Each pass claims due records with a lease (several workers and servers never hold the same
 * record), only the first undelivered record of each case and lane (order per case), sends them side by
 * side, and marks each delivered (never sent again), retried later with backoff and jitter, or poison
 * after OUTBOX_POISON_AFTER refusals. Records whose endpoint is not configured wait.
 */
export class OutboxWorker {
  readonly owner: string;
  private readonly province: ProvinceClient | null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private again = false;
  private stopListening: (() => void) | null = null;

  constructor(
    private readonly app: ExchangeDeps,
    options: { owner?: string; province?: ProvinceClient | null } = {},
  ) {
    this.owner = options.owner ?? `${app.bus.origin}:${Math.random().toString(36).slice(2, 8)}`;
    const { provinceUrl, outboxTimeoutMs } = app.config;
    this.province =
      options.province !== undefined ? options.province : provinceUrl ? new ProvinceClient(provinceUrl, outboxTimeoutMs, app.deliverySigner) : null;
  }

  /** Topics this worker can deliver: the provincial ones when PROVINCE_URL is set, messages whose gateway is. */
  topics(): string[] {
    return [...(this.province ? Object.values(PROVINCE_TOPICS) : []), ...deliverableMessageTopics(this.app.messages)];
  }

  /** Delivers on a timer, and at once after a rating or rectification step of this server committed. */
  start(): this {
    this.stopListening = this.app.bus.subscribe((event) => {
      if (event.origin === this.app.bus.origin && (event.kind === 'rating' || event.kind === 'rectification' || event.kind === 'invalidation')) this.nudge();
    });
    this.schedule(0);
    return this;
  }

  /** Runs a pass soon (coalesced with one already running). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.loopOnce().finally(() => {
        this.running = null;
      });
    }, delayMs);
    this.timer.unref?.();
  }

  private async loopOnce(): Promise<void> {
    let busy = false;
    try {
      busy = (await this.runOnce()).claimed > 0;
    } catch (err) {
      this.app.logger.error('outbox delivery pass failed', { error: err instanceof Error ? err.message : String(err) });
    }
    const again = this.again;
    this.again = false;
    this.schedule(busy || again ? 0 : this.app.config.outboxIntervalMs);
  }

  /** One pass: claim what is due, deliver it, record each outcome. */
  async runOnce(): Promise<WorkerRun> {
    const { config } = this.app;
    const em = this.app.orm.em.fork() as Em;
    const claimed = await claimOutbox(em, this.app.dialect, {
      owner: this.owner,
      topics: this.topics(),
      now: this.app.clock.now().getTime(),
      leaseMs: Math.max(config.outboxLeaseMs, 2 * config.outboxTimeoutMs),
      limit: config.outboxBatch,
    });
    const run: WorkerRun = { claimed: claimed.length, delivered: 0, failed: 0 };
    await Promise.all(
      claimed.map(async (row) => {
        if (this.stopped) return releaseOutbox(em.fork() as Em, row.id, this.owner);
        const ok = await this.deliver(em.fork() as Em, row);
        if (ok) run.delivered += 1;
        else run.failed += 1;
      }),
    );
    return run;
  }

  /** Runs passes until nothing due is left (the cron job); returns the totals. */
  async drain(maxPasses = 10_000): Promise<WorkerRun> {
    const total: WorkerRun = { claimed: 0, delivered: 0, failed: 0 };
    for (let i = 0; i < maxPasses; i++) {
      const run = await this.runOnce();
      total.claimed += run.claimed;
      total.delivered += run.delivered;
      total.failed += run.failed;
      if (run.claimed === 0) break;
    }
    return total;
  }

  private async deliver(em: Em, row: OutboxRecord): Promise<boolean> {
    const verdict = await this.send(row);
    const now = this.app.clock.now().getTime();
    if (verdict.kind === 'acknowledged') {
      const marked = await completeOutbox(em, row.id, this.owner, now);
      if (!marked) this.app.logger.warn('outbox record acknowledged after its lease ran out', { outboxId: row.id, recordKey: row.recordKey });
      return true;
    }
    const { config } = this.app;
    const retryAt = now + retryDelay(row.attempts + 1, { baseMs: config.outboxRetryBaseMs, maxMs: config.outboxRetryMaxMs });
    const state = await failOutbox(em, row.id, this.owner, { error: verdict.error, refusal: verdict.refusal, retryAt, poisonAfter: config.outboxPoisonAfter });
    if (state === 'POISON')
      this.app.logger.error('outbox record refused too often; it waits for an administrator', { outboxId: row.id, topic: row.topic, error: verdict.error });
    else this.app.logger.debug('outbox record not delivered; retried later', { outboxId: row.id, topic: row.topic, error: verdict.error });
    return false;
  }

  private async send(row: OutboxRecord): Promise<ProvinceVerdict> {
    const type = recordTypeOf(row.topic);
    try {
      if (type) {
        if (!this.province) return { kind: 'retry', error: 'PROVINCE_URL is not set', refusal: false };
        const record = openSealed(JSON.parse(row.payload), (sealed) => this.app.cipher.decrypt(sealed));
        return await this.province.send(type, row.recordKey, record);
      }
      const sent = await sendMessageRecord(this.app, row);
      return sent ? { kind: 'acknowledged', duplicate: false } : { kind: 'retry', error: `no endpoint for ${row.topic}`, refusal: false };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const refusal = err instanceof NotifierError ? err.status !== null && !isTransientStatus(err.status) : true;
      return { kind: 'retry', error, refusal };
    }
  }

  /** Stops claiming and waits for the records in flight to be marked (a restart never loses an acknowledgement). */
  async close(): Promise<void> {
    this.stopped = true;
    this.stopListening?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
