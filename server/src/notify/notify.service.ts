import type { PiiCipher } from '../common/crypto.js';
import type { Kernel } from '../common/kernel.js';
import { log } from '../common/logger.js';
import type { Database, Em } from '../db/orm.js';
import { OutboxSchema } from '../db/outbox.entities.js';
import { markOutbox } from '../db/outbox.store.js';
import { notifiersFrom, type Message, type Notifier } from './notifier.js';

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

const RETRY_BASE_MS = 60_000;

/**
 * Delivers the given message records now (after their transaction committed). Each is marked delivered or
 * given a retry time; a message whose channel has no endpoint stays pending for the exchange worker.
 */
export async function deliverMessages(app: NotifyDeps, outboxIds: number[]): Promise<{ delivered: number; failed: number; pending: number }> {
  const result = { delivered: 0, failed: 0, pending: 0 };
  if (outboxIds.length === 0) return result;
  const em = app.orm.em.fork() as Em;
  const rows = await em.find(OutboxSchema, { id: { $in: outboxIds }, deliveredAt: null, topic: { $in: Object.values(MESSAGE_TOPICS) } });
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as MessagePayload;
    const notifier = app.messages.of(payload.channel);
    if (!notifier) {
      result.pending += 1;
      continue;
    }
    const now = app.clock.now().getTime();
    try {
      const to = 'sealed' in payload.to ? app.cipher.decrypt(payload.to.sealed) : payload.to.address;
      await notifier.send({ id: row.recordKey, channel: payload.channel, to, title: payload.title, text: payload.text });
      await markOutbox(em, row.id, { deliveredAt: now });
      result.delivered += 1;
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      await markOutbox(em, row.id, { error, retryAt: now + RETRY_BASE_MS * 2 ** Math.min(row.attempts, 10) });
      log.warn('message not delivered; it stays in the outbox', { outboxId: row.id, channel: payload.channel, error });
      result.failed += 1;
    }
  }
  return result;
}
