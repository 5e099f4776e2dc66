import type { App } from '../app.js';
import { log } from '../common/logger.js';
import type { Em } from '../db/orm.js';
import { OutboxSchema } from '../exchange/outbox.entities.js';
import { markOutbox } from '../exchange/outbox.store.js';
import { notifiersFrom, type Message, type Notifier } from './notifier.js';

/** Outbox payload of a message: the recipient sealed when it is personal data (a mobile number). */
export interface MessagePayload {
  channel: Message['channel'];
  to: { sealed: string } | { address: string };
  title?: string;
  text: string;
}

export const MESSAGE_TOPICS = { sms: 'notify.sms', portal: 'notify.portal' } as const;

const notifiers = new WeakMap<App, Record<Message['channel'], Notifier | null>>();

/** Replaces the app's notifiers (tests use a local stand-in; production reads SMS_GATEWAY_URL / PORTAL_MESSAGE_URL). */
export function setNotifiers(app: App, value: Partial<Record<Message['channel'], Notifier | null>>): void {
  notifiers.set(app, { ...notifiersOf(app), ...value });
}

function notifiersOf(app: App): Record<Message['channel'], Notifier | null> {
  let value = notifiers.get(app);
  if (!value) notifiers.set(app, (value = notifiersFrom(app.config)));
  return value;
}

const RETRY_BASE_MS = 60_000;

/**
 * Delivers the given message records now (after their transaction committed). Each is marked delivered or
 * given a retry time; a message whose channel has no endpoint stays pending for the exchange worker.
 */
export async function deliverMessages(app: App, outboxIds: number[]): Promise<{ delivered: number; failed: number; pending: number }> {
  const result = { delivered: 0, failed: 0, pending: 0 };
  if (outboxIds.length === 0) return result;
  const em = app.orm.em.fork() as Em;
  const rows = await em.find(OutboxSchema, { id: { $in: outboxIds }, deliveredAt: null, topic: { $in: Object.values(MESSAGE_TOPICS) } });
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as MessagePayload;
    const notifier = notifiersOf(app)[payload.channel];
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
