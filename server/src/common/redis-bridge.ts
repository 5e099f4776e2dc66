import { Redis } from 'ioredis';
import { log } from './logger.js';
import { CHANGE_KINDS, type ChangeBus, type ChangeEvent } from './pubsub.js';

/**
 * Several servers behind one Redis: local change events go to a Redis channel,
 * other servers' events come back into the local bus, so a rating taken by server A updates the
 * live topics of server B. Redis carries only "something changed"; the figures are always read from
 * the database, so a server that lost Redis (and with it some events) recomputes every topic when
 * it reconnects, and asks the others to do the same (they may have missed events it queued).
 */

/** The default of `REDIS_CHANNEL`. */
export const REDIS_CHANNEL = 'haochaping:changes';

/** The minimal part of an ioredis client the bridge uses (tests pass fakes). */
export interface BridgeClient {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  quit(): Promise<unknown>;
}

export interface RedisBridgeOptions {
  /** Without it the bridge is a no-op (one server). */
  redisUrl?: string;
  channel?: string;
  createClient?: (url: string, role: 'pub' | 'sub') => BridgeClient;
  /** Called when events may have been missed (the root marks every live topic dirty). */
  onResync: () => void;
}

/** Starts forwarding the bus's events; resolves once subscribed. Returns the stop function. */
export async function startRedisBridge(bus: ChangeBus, options: RedisBridgeOptions): Promise<() => Promise<void>> {
  const url = options.redisUrl;
  const instanceId = bus.origin;
  if (!url) return async () => {};
  const channel = options.channel ?? REDIS_CHANNEL;
  const create =
    options.createClient ??
    ((u: string, role: 'pub' | 'sub') =>
      new Redis(u, {
        // Named so operators (and the tests) can tell the connections apart in CLIENT LIST.
        connectionName: `haochaping-${role}-${instanceId}`,
        // Publishes wait for a reconnection rather than fail; a server that reconnects also asks for a resync.
        maxRetriesPerRequest: null,
        // The events of one turn (the ratings of one group commit) leave in one write, so they reach the
        // other servers in one read and their live topics make one computation of them (LiveHub.schedule).
        ...(role === 'pub' ? { enableAutoPipelining: true } : {}),
      }) as unknown as BridgeClient);
  const { onResync } = options;
  const pub = create(url, 'pub');
  const sub = create(url, 'sub');
  pub.on('error', (err: Error) => log.warn('redis (publish) error', { error: err.message }));
  sub.on('error', (err: Error) => log.warn('redis (subscribe) error', { error: err.message }));

  let lost = false;
  sub.on('close', () => {
    lost = true;
  });
  sub.on('end', () => {
    lost = true;
  });
  sub.on('ready', () => {
    if (!lost) return;
    lost = false;
    // Subscribing again is idempotent; its reply means the channel is live again, so recomputing
    // after it cannot miss an event published in between.
    sub
      .subscribe(channel)
      .then(() => {
        log.info('redis reconnected: recomputing every live topic from the database');
        onResync();
        const resync: ChangeEvent = { kind: 'catalog', scopes: [], at: Date.now(), origin: instanceId, detail: { reason: 'redis-resync' } };
        return pub.publish(channel, JSON.stringify(resync));
      })
      .catch((err: Error) => log.warn('redis resubscription failed', { error: err.message }));
  });

  sub.on('message', (ch: string, message: string) => {
    if (ch !== channel) return;
    const event = parseEvent(message);
    if (!event || event.origin === instanceId) return;
    bus.publish(event);
  });
  await sub.subscribe(channel);

  const unsubscribe = bus.subscribe((event) => {
    // Only our own events go out: remote ones were published into the local bus by us, above.
    if (event.origin && event.origin !== instanceId) return;
    pub.publish(channel, JSON.stringify({ ...event, origin: instanceId })).catch((err: Error) => {
      log.warn('redis publish failed; other servers recompute when the connection comes back', { error: err.message });
    });
  });

  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    await Promise.allSettled([sub.quit(), pub.quit()]);
  };
}

/** Asks every server on Redis to recompute its live topics (after `stats:rebuild` fixed counters). */
export async function publishResync(redisUrl: string, origin: string, channel = REDIS_CHANNEL): Promise<void> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  try {
    const event: ChangeEvent = { kind: 'catalog', scopes: [], at: Date.now(), origin, detail: { reason: 'stats-rebuild' } };
    await client.publish(channel, JSON.stringify(event));
  } finally {
    await client.quit().catch(() => undefined);
  }
}

function parseEvent(message: string): ChangeEvent | null {
  try {
    const value = JSON.parse(message) as Partial<ChangeEvent>;
    if (!value || !CHANGE_KINDS.includes(value.kind as ChangeEvent['kind']) || !Array.isArray(value.scopes)) return null;
    if (!value.scopes.every((s) => typeof s === 'string')) return null;
    return {
      kind: value.kind,
      scopes: value.scopes,
      at: Number(value.at) || Date.now(),
      origin: typeof value.origin === 'string' ? value.origin : undefined,
      ...(value.detail && typeof value.detail === 'object' ? { detail: value.detail } : {}),
    } as ChangeEvent;
  } catch {
    return null;
  }
}
