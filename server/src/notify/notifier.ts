/**
 * Messages to people outside the system (R17): the rater hears back by SMS and on the government portal.
 * A notifier delivers one message and throws when the other side did not accept it; `id` is the
 * idempotency key (the outbox record key), so a message retried after a timeout is not shown twice.
 */
export interface Message {
  id: string;
  channel: 'sms' | 'portal';
  /** SMS: the mobile number; portal: the recipient's portal address ("case:<projectNo>", "region:<code>"). */
  to: string;
  title?: string;
  text: string;
}

export interface Notifier {
  send(message: Message): Promise<void>;
}

export class NotifierError extends Error {
  constructor(
    readonly channel: string,
    readonly status: number | null,
    detail: string,
  ) {
    super(`${channel} delivery failed${status ? ` (HTTP ${status})` : ''}: ${detail}`);
    this.name = 'NotifierError';
  }
}

const TIMEOUT_MS = 5000;

async function post(channel: string, url: string, id: string, body: unknown): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': id },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new NotifierError(channel, null, err instanceof Error ? err.message : String(err));
  }
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new NotifierError(channel, res.status, 'not accepted');
}

/** An SMS gateway reached over HTTP: POST {id, mobile, text}, any 2xx accepts. */
export class HttpSmsGateway implements Notifier {
  constructor(private readonly url: string) {}
  send(message: Message): Promise<void> {
    return post('sms', this.url, message.id, { id: message.id, mobile: message.to, text: message.text });
  }
}

/** The portal's message service over HTTP: POST {id, recipient, title, text}, any 2xx accepts. */
export class HttpPortalMessenger implements Notifier {
  constructor(private readonly url: string) {}
  send(message: Message): Promise<void> {
    return post('portal', this.url, message.id, { id: message.id, recipient: message.to, title: message.title ?? '', text: message.text });
  }
}

/** The configured notifier per channel; null where no endpoint is configured (messages wait in the outbox). */
export function notifiersFrom(config: { smsGatewayUrl?: string; portalMessageUrl?: string }): Record<Message['channel'], Notifier | null> {
  return {
    sms: config.smsGatewayUrl ? new HttpSmsGateway(config.smsGatewayUrl) : null,
    portal: config.portalMessageUrl ? new HttpPortalMessenger(config.portalMessageUrl) : null,
  };
}
