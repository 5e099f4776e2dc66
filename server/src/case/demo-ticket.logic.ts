/**
 * The home page's "try a rating" (试一试评价), demo data only: rules with no storage, so they are
 * tested without a database.
 */

/** At most this many tries per minute on one server: enough for a room of newcomers, too few to flood the demo. */
export const DEMO_TRIES_PER_MINUTE = 30;

/** Why a try is refused, or null when it may go ahead. */
export function demoTryRefusal(facts: { production: boolean; demo: boolean }): string | null {
  if (facts.production) return 'trying a rating is a demo convenience and is off in production (NODE_ENV=production)';
  if (!facts.demo) return 'trying a rating needs the demo data (演示数据); this installation holds real data';
  return null;
}

/** A case number that says what it is: `DEMO-` and the time in base 36, with a random tail. */
export function demoProjectNo(now: number, random: () => number = Math.random): string {
  return `DEMO-${now.toString(36).toUpperCase()}-${Math.floor(random() * 36 ** 4)
    .toString(36)
    .toUpperCase()
    .padStart(4, '0')}`;
}

/** Counts tries in fixed one-minute windows; one per server process, built by the composition root. */
export class DemoTryLimiter {
  private windowStart = -Infinity;
  private used = 0;

  constructor(
    readonly limit = DEMO_TRIES_PER_MINUTE,
    private readonly windowMs = 60_000,
  ) {}

  /** Takes one try at `now`; false when this minute's tries are used up. */
  take(now: number): boolean {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.limit) return false;
    this.used += 1;
    return true;
  }
}
