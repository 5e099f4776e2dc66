import type { PiiCipher } from '../common/crypto.js';
import type { Kernel } from '../common/kernel.js';
import { log } from '../common/logger.js';
import type { Database, Em } from '../db/orm.js';
import type { OutboxRecord } from '../db/outbox.entities.js';
import { claimOutbox, completeOutbox, failOutbox, retryDelay } from '../db/outbox.store.js';
import { NotifierError, notifiersFrom, type Message, type Notifier } from './notifier.js';

/** Outbox payload of a message: the recipient sealed when it is personal data (a mobile number). */
export interface MessagePayload {
  channel: Message['channel'];
  to: { sealed: string } | { address: string };
  title?: string;
  text: string;
}

export const MESSAGE_TOPICS = { sms: 'notify.sms', portal: 'notify.portal' } as const;

/**
 * The message endpoints of one process, by channel (null: messages wait in the outbox). Built by the
 * composition root from SMS_GATEWAY_URL / PORTAL_MESSAGE_URL; the demo history uses one with none.
 */
export class MessageGateways {
  private readonly channels: Record<Message['channel'], Notifier | null>;

  constructor(channels: Partial<Record<Message['channel'], Notifier | null>>) {
    this.channels = { sms: null, portal: null, ...channels };
  }

  static fromConfig(config: { smsGatewayUrl?: string; portalMessageUrl?: string }): MessageGateways {
    return new MessageGateways(notifiersFrom(config));
  }

  of(channel: Message['channel']): Notifier | null {
    return this.channels[channel];
  }
}

/** What delivering messages needs. */
export interface NotifyDeps extends Kernel, Database {
  readonly cipher: PiiCipher;
  readonly messages: MessageGateways;
}

/** Message topics that have an endpoint in this process (the others wait in the outbox). */
export function deliverableMessageTopics(messages: MessageGateways): string[] {
  return (Object.keys(MESSAGE_TOPICS) as Array<Message['channel']>).filter((c) => messages.of(c)).map((c) => MESSAGE_TOPICS[c]);
}

/**
 * Sends one claimed message record through its gateway, opening the sealed recipient only here; throws
 * (NotifierError) when the gateway did not accept it, returns false when its channel has no endpoint.
 */
export async function sendMessageRecord(app: Pick<NotifyDeps, 'cipher' | 'messages'>, row: Pick<OutboxRecord, 'recordKey' | 'payload'>): Promise<boolean> {
  const payload = JSON.parse(row.payload) as MessagePayload;
  const notifier = app.messages.of(payload.channel);
  if (!notifier) return false;
  const to = 'sealed' in payload.to ? app.cipher.decrypt(payload.to.sealed) : payload.to.address;
  await notifier.send({ id: row.recordKey, channel: payload.channel, to, title: payload.title, text: payload.text });
  return true;
}

/**
 * Delivers the given message records now (after their transaction committed), claimed with a lease like
 * the outbox worker claims them, so the two never send one message at the same time. Each is marked
 * delivered or given a retry time (exponential backoff with jitter); the worker retries it later, and a
 * message whose channel has no endpoint stays pending.
 */
export async function deliverMessages(app: NotifyDeps, outboxIds: number[]): Promise<{ delivered: number; failed: number; pending: number }> {
  const result = { delivered: 0, failed: 0, pending: 0 };
  if (outboxIds.length === 0) return result;
  const em = app.orm.em.fork() as Em;
  const owner = `notify:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  const { config } = app;
  const topics = deliverableMessageTopics(app.messages);
  const claimed = await claimOutbox(em, app.dialect, {
    owner,
    topics,
    now: app.clock.now().getTime(),
    leaseMs: Math.max(config.outboxLeaseMs, 2 * config.outboxTimeoutMs),
    limit: outboxIds.length,
    ids: outboxIds,
  });
  result.pending = outboxIds.length - claimed.length;
  for (const row of claimed) {
    try {
      await sendMessageRecord(app, row);
      await completeOutbox(em, row.id, owner, app.clock.now().getTime());
      result.delivered += 1;
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const retryAt = app.clock.now().getTime() + retryDelay(row.attempts + 1, { baseMs: config.outboxRetryBaseMs, maxMs: config.outboxRetryMaxMs });
      await failOutbox(em, row.id, owner, {
        error,
        refusal: err instanceof NotifierError && err.status !== null && ![408, 425, 429, 502, 503, 504].includes(err.status),
        retryAt,
        poisonAfter: config.outboxPoisonAfter,
      });
      log.warn('message not delivered; it stays in the outbox', { outboxId: row.id, channel: row.topic, error });
      result.failed += 1;
    }
  }
  return result;
}
