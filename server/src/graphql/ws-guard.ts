import type { IncomingMessage } from 'node:http';

/**
 * Limits on the WebSocket transport, per process: connections per client address, subscriptions per
 * connection, and how fast one connection may make the server create new live topics (a topic is a
 * computation the server keeps running; distinct arguments would otherwise create them without end).
 */
export interface WsLimits {
  maxConnectionsPerIp: number;
  maxSubscriptionsPerConnection: number;
  /** New live topics one connection may cause per minute. */
  newTopicsPerMinute: number;
}

/** A graphql-ws close code in the application range: "too many requests" (reason under 124 bytes). */
export const CLOSE_TOO_MANY = 4429;
/** The connection's session was ended (logout, here or on another server). */
export const CLOSE_SESSION_ENDED = 4401;

export class WsGuard {
  private readonly perIp = new Map<string, number>();

  constructor(readonly limits: WsLimits) {}

  /** Counts a new connection; false when its address already has the maximum. */
  admit(req: IncomingMessage): { ok: boolean; release(): void } {
    const ip = clientAddress(req);
    const count = this.perIp.get(ip) ?? 0;
    if (count >= this.limits.maxConnectionsPerIp) return { ok: false, release: () => {} };
    this.perIp.set(ip, count + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.perIp.get(ip) ?? 1) - 1;
        if (left <= 0) this.perIp.delete(ip);
        else this.perIp.set(ip, left);
      },
    };
  }

  /** The state one connection keeps: its open subscriptions and its budget for new topics. */
  connection(): ConnectionBudget {
    return new ConnectionBudget(this.limits);
  }
}

export class ConnectionBudget {
  readonly subscriptions = new Set<string>();
  private tokens: number;
  private refilledAt = Date.now();

  constructor(private readonly limits: WsLimits) {
    this.tokens = limits.newTopicsPerMinute;
  }

  /** True when one more subscription may start on this connection. */
  hasRoom(): boolean {
    return this.subscriptions.size < this.limits.maxSubscriptionsPerConnection;
  }

  /** Takes one new-topic token; false when the connection made too many new topics lately. */
  takeNewTopic(now = Date.now()): boolean {
    const perMs = this.limits.newTopicsPerMinute / 60_000;
    this.tokens = Math.min(this.limits.newTopicsPerMinute, this.tokens + (now - this.refilledAt) * perMs);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The client's address as this server saw it (a proxy in front is one address for all). */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
