import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Redis } from 'ioredis';
import { RateLimitedError } from './errors.js';

/** What is limited per minute, and per what: sign-in per client address, anonymous ratings per address, token issue per key. */
export type LimitKind = 'signIn' | 'ratingPerAddress' | 'tokenIssue';

const WHAT: Record<LimitKind, string> = {
  signIn: 'sign-in attempts from this address',
  ratingPerAddress: 'ratings from this address',
  tokenIssue: 'rating tokens for this key',
};

/**
 * Rate limits (rate-limiter-flexible). With REDIS_URL the counters live in Redis, so every server of a
 * deployment counts together; otherwise each process counts alone. A Redis outage falls back to the
 * process's own counters (the insurance limiter) rather than refusing everyone.
 */
export class RateLimits {
  private readonly limiters = new Map<LimitKind, RateLimiterAbstract>();
  private readonly redis: Redis | null;

  constructor(perMinute: Record<LimitKind, number>, redisUrl?: string, namespace = 'hcp') {
    this.redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false }) : null;
    this.redis?.on('error', () => undefined); // the insurance limiter covers an outage; the bridge logs Redis trouble
    for (const [kind, points] of Object.entries(perMinute) as Array<[LimitKind, number]>) {
      const memory = new RateLimiterMemory({ points, duration: 60, keyPrefix: `${namespace}:rl:${kind}` });
      this.limiters.set(
        kind,
        this.redis
          ? new RateLimiterRedis({ storeClient: this.redis, points, duration: 60, keyPrefix: `${namespace}:rl:${kind}`, insuranceLimiter: memory })
          : memory,
      );
    }
  }

  /** Takes one from `key`'s budget, or throws RATE_LIMITED with `retryAfter` (seconds; HTTP 429 and Retry-After). */
  async take(kind: LimitKind, key: string): Promise<void> {
    try {
      await this.limiters.get(kind)!.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new RateLimitedError(`too many ${WHAT[kind]}; try again in ${retryAfter} s`, { retryAfter });
    }
  }

  /** Whether counters are shared between servers (Redis). */
  get shared(): boolean {
    return this.redis !== null;
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis!.disconnect());
  }
}
