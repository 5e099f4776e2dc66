import { ManualClock, type Clock } from '../../server/src/common/clock.js';
import type { Config } from '../../server/src/common/config.js';
import { startServer, type RunningServer } from '../../server/src/app/server.js';
import { throwawayDatabase } from './database.js';

export type ThrowawayDatabase = Awaited<ReturnType<typeof throwawayDatabase>>;

export interface TestServer extends RunningServer {
  clock: ManualClock;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, auth?: Auth): Promise<GqlResult<T>>;
}

export interface Auth {
  token?: string;
  apiKey?: string;
}

export interface GqlResult<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; [k: string]: unknown } }>;
}

export const T0 = new Date('2026-11-20T02:00:00Z');

/** A real server on a random loopback port with its own throwaway database and a manual clock. */
export async function startTestServer(
  config: Partial<Config> = {},
  clock?: Clock,
  options: { database?: ThrowawayDatabase; outboxWorker?: boolean } = {},
): Promise<TestServer> {
  // A database given by the caller outlives this server (restart tests); the caller drops it.
  const db = options.database ?? (await throwawayDatabase({ migrated: true }));
  const manual = (clock as ManualClock | undefined) ?? new ManualClock(T0);
  const running = await startServer({
    port: 0,
    host: '127.0.0.1',
    dashboardDir: null,
    scheduleJobs: false,
    outboxWorker: options.outboxWorker ?? false,
    clock: manual,
    sqliteFile: db.sqliteFile,
    config: {
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      seedDemo: false,
      minPublicRatings: 0,
      // Tests sign in many times from one address and move the clock by hours between steps; the
      // sign-in and session tests set their own limits.
      loginAttemptsPerMinute: 10_000,
      ratingsPerMinutePerAddress: 1_000_000,
      tokensPerMinutePerKey: 1_000_000,
      // Each test server counts alone, also when the suite shares one Redis.
      rateLimitNamespace: `t${Math.random().toString(36).slice(2, 10)}`,
      // Likewise its live figures: test files run in parallel, and another file's servers hold other data.
      redisChannel: `t:${Math.random().toString(36).slice(2, 10)}`,
      sessionTtlHours: 12,
      // Idle no shorter than the session: tests that move the clock by days keep their sign-in.
      sessionIdleMinutes: (config.sessionTtlHours ?? 12) * 60,
      liveIntervalMs: 20,
      // A graphql-ws client on a loaded machine may take seconds to send connection_init (the default 3 s
      // closed access-matrix sockets at load averages above 15); no test is about that timeout.
      wsInitWaitMs: 60_000,
      piiKey: Buffer.alloc(32, 7).toString('base64'),
      piiKeyId: 'test',
      authSecret: 'test-secret-test-secret-test-secret',
      ...config,
    },
  });
  return {
    ...running,
    clock: manual,
    gql: (query, variables, auth) => gql(running.url, query, variables, auth),
    close: async () => {
      await running.close();
      if (!options.database) await db.drop();
    },
  };
}

export async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}, auth: Auth = {}): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.apiKey) headers['x-api-key'] = auth.apiKey;
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as GqlResult<T>;
}

/** The error code of the first error, or undefined; tests assert on it. */
export function codeOf(result: GqlResult<unknown>): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}
