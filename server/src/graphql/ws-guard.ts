import type { IncomingMessage } from 'node:http';

/**
 * Limits on the WebSocket transport, per process: connections per client address, subscriptions per
 * connection, and how fast one connection, and all connections of one address together, may make the
 * server create new live topics (a topic is a computation the server keeps running; distinct arguments
 * would otherwise create them without end, and each new one is computed at once).
 */
export interface WsLimits {
  maxConnectionsPerIp: number;
  maxSubscriptionsPerConnection: number;
  /** New live topics one connection may cause per minute. */
  newTopicsPerMinute: number;
  /**
   * New live topics all connections of one address may cause per minute: without it, an address
   * opening many connections multiplies the per-connection allowance (measured by `npm run bench -- abuse`).
   */
  newTopicsPerMinutePerIp: number;
}

/** A token bucket refilled continuously: `perMinute` tokens a minute, at most `perMinute` saved. */
class Bucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perMinute: number,
    now: number,
  ) {
    this.tokens = perMinute;
    this.refilledAt = now;
  }

  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Full again: it holds nothing a fresh bucket would not. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.perMinute;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.refilledAt) * this.perMinute) / 60_000);
    this.refilledAt = now;
  }
}

/** A graphql-ws close code in the application range: "too many requests" (reason under 124 bytes). */
export const CLOSE_TOO_MANY = 4429;
/** The connection's session was ended (logout, here or on another server). */
export const CLOSE_SESSION_ENDED = 4401;

export class WsGuard {
  private readonly perIp = new Map<string, number>();
  private readonly topicsPerIp = new Map<string, Bucket>();
  private sweptAt = 0;

  constructor(readonly limits: WsLimits) {}

  /** Counts a new connection from `ip`; false when the address already has the maximum. */
  admit(ip: string): boolean {
    const count = this.perIp.get(ip) ?? 0;
    if (count >= this.limits.maxConnectionsPerIp) return false;
    this.perIp.set(ip, count + 1);
    return true;
  }

  /** Uncounts a connection admitted from `ip` (once per admitted connection, when it closes). */
  release(ip: string): void {
    const left = (this.perIp.get(ip) ?? 1) - 1;
    if (left <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, left);
  }

  /** The budgets for new topics of one connection from `ip`. */
  connection(ip: string, now = Date.now()): ConnectionBudget {
    return new ConnectionBudget(this.limits, now, this.addressBucket(ip, now));
  }

  /** True when a connection with `open` subscriptions may start one more. */
  hasRoom(open: number): boolean {
    return open < this.limits.maxSubscriptionsPerConnection;
  }

  /**
   * The address's shared bucket. It outlives the address's connections (closing them all must not
   * refill it), and is dropped once full again, so the map holds only addresses active in the last two minutes.
   */
  private addressBucket(ip: string, now: number): Bucket {
    let bucket = this.topicsPerIp.get(ip);
    if (!bucket) {
      // Swept at most once a minute: a sweep per new address would cost O(addresses) per connection.
      if (now - this.sweptAt >= 60_000) {
        for (const [other, b] of this.topicsPerIp) if (b.isFull(now)) this.topicsPerIp.delete(other);
        this.sweptAt = now;
      }
      bucket = new Bucket(this.limits.newTopicsPerMinutePerIp, now);
      this.topicsPerIp.set(ip, bucket);
    }
    return bucket;
  }
}

/** One connection's own bucket of new topics (one object per connection), drawing on its address's bucket too. */
export class ConnectionBudget extends Bucket {
  constructor(
    limits: WsLimits,
    now: number,
    private readonly address: Bucket,
  ) {
    super(limits.newTopicsPerMinute, now);
  }

  /** Takes one new-topic token of the connection and one of its address; false when either is spent. */
  takeNewTopic(now = Date.now()): boolean {
    // The connection's own token first: a connection over its limit does not drain its neighbours'.
    return this.take(now) && this.address.take(now);
  }
}

/** The client's address as this server saw it (a proxy in front is one address for all). */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
