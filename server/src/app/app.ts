import { join } from 'node:path';
import { ApiKeyCache } from '../auth/auth.service.js';
import { RateLimits } from '../common/rate-limit.js';
import { TokenService } from '../auth/tokens.js';
import { SessionStore } from '../auth/session.store.js';
import { TagDictionary } from '../catalog/catalog.service.js';
import { pfCodes, type Channel } from '../catalog/channel.logic.js';
import { DemoTryLimiter } from '../case/demo-ticket.logic.js';
import { systemClock, type Clock } from '../common/clock.js';
import { loadConfig, type Config } from '../common/config.js';
import { type PiiCipher, type Sm2Signer } from '../common/crypto.js';
import type { Kernel } from '../common/kernel.js';
import { log, type Logger } from '../common/logger.js';
import { ChangeBus } from '../common/pubsub.js';
import { loadSecrets } from '../common/secrets.js';
import { MetricsRegistry } from '../common/metrics.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startCheckpointer } from '../db/checkpointer.js';
import { GroupCommit } from '../db/group-commit.js';
import { dialectOf, openDatabase, type Database, type Dialect, type Em, type Orm } from '../db/orm.js';
import { useNamedStatements } from '../db/sql.js';
import { MessageGateways } from '../notify/notify.service.js';
import { createExchangeHooks } from '../exchange/exchange.hooks.js';
import type { RatingHook } from '../rating/rating.service.js';
import type { ServiceHook } from '../case/case.service.js';
import type { InvalidationHook } from '../rectification/invalidation.js';
import { createRectificationHook } from '../rectification/rectification.module.js';
import type { UpheldSignalSource } from '../assessment/assessment.service.js';
import { upheldSignals } from '../integrity/fraud.service.js';
import { PresentationRegistry } from '../screen/presentation.service.js';
import { ScreenTokenCache } from '../screen/screen-token.service.js';
import { LiveHub } from '../stats/live-hub.js';
import type { Counted } from '../stats/rollup.logic.js';
import { applyGroupDeltas } from '../stats/rollup.store.js';
import { fixCryptoProfile } from './crypto-profile.js';
import { allEntities } from './entities.js';
import type { FeatureDeps } from '../graphql/deps.js';

/**
 * The long-lived parts of one server process, each built once here and nowhere else. Features never
 * see this type: each declares the narrow interface it needs (`RatingDeps`, `StatsDeps`, …) and the
 * compiler checks below (`satisfies FeatureDeps`) that the root supplies every one of them.
 */
export interface App extends Kernel, Database {
  readonly cipher: PiiCipher;
  /** Signs deliveries to the provincial platform (SM2, CRYPTO_PROFILE=sm); null under intl. */
  readonly deliverySigner: Sm2Signer | null;
  readonly tokens: TokenService;
  readonly bus: ChangeBus;
  /** Unique per process: tells our own events apart from other servers' on Redis (= `bus.origin`). */
  readonly instanceId: string;
  readonly tags: TagDictionary;
  readonly apiKeys: ApiKeyCache;
  readonly rateLimits: RateLimits;
  readonly sessions: SessionStore;
  readonly screenTokens: ScreenTokenCache;
  readonly presentations: PresentationRegistry;
  readonly liveHub: LiveHub;
  readonly messages: MessageGateways;
  readonly groupCommit: GroupCommit<Counted>;
  readonly channelCodes: Readonly<Record<Channel, number>>;
  readonly ratingHooks: readonly RatingHook[];
  readonly serviceHooks: readonly ServiceHook[];
  readonly invalidationHooks: readonly InvalidationHook[];
  /** Process metrics for `/metrics` (Prometheus text format). */
  readonly metrics: MetricsRegistry;
  /** Counts the home page's demo "try a rating" (one limiter per process). */
  readonly demoTries: DemoTryLimiter;
  /** Upheld fraud signals (integrity, R18) as the key-supervision list reads them (assessment, R23). */
  readonly upheldSignals: UpheldSignalSource;
  /** Closes everything above in the reverse order of building. */
  close(): Promise<void>;
}

export interface AppOptions {
  config?: Partial<Config>;
  clock?: Clock;
  /** SQLite file override (tests use a temp file or ':memory:'). */
  sqliteFile?: string;
  logger?: Logger;
}

/** Builds every long-lived object once, hands each feature what it declared, and knows how to close them. */
export async function createApp(options: AppOptions = {}): Promise<App> {
  const config: Config = { ...loadConfig(), ...options.config };
  const kernel: Kernel = { config, clock: options.clock ?? systemClock, logger: options.logger ?? log };
  const closers = new Closers(kernel.logger);

  const target = { databaseUrl: config.databaseUrl, sqliteFile: options.sqliteFile ?? join(config.dataDir, 'haochaping.sqlite') };
  const orm: Orm = await openDatabase(target, allEntities);
  useNamedStatements(config.pgNamedStatements);
  closers.add('database', () => orm.close(true));
  const dialect: Dialect = dialectOf(target);
  if (dialect === 'sqlite' && target.sqliteFile !== ':memory:') {
    const checkpointer = startCheckpointer(target.sqliteFile);
    closers.add('checkpointer', () => checkpointer.stop());
  }
  const db: Database = { orm, dialect };
  try {
    await fixCryptoProfile(db, config.cryptoProfile);
  } catch (err) {
    await closers.closeAll();
    throw err;
  }

  const { cipher, authSecret, signer: deliverySigner } = loadSecrets(config);
  const tokens = new TokenService(authSecret, kernel.clock);
  const bus = new ChangeBus(`${process.pid}-${Math.random().toString(36).slice(2, 8)}`);

  const groupCommit = new GroupCommit<Counted>(orm, dialect, applyGroupDeltas, dialect === 'postgresql' ? config.pgGroupsInFlight : undefined);
  closers.add('group commit', () => groupCommit.close());
  const liveHub = new LiveHub({ intervalMs: config.liveIntervalMs, maxTopics: config.liveMaxTopics });
  liveHub.listen(bus);
  closers.add('live hub', () => liveHub.close());
  const screenTokens = new ScreenTokenCache(db, bus);
  closers.add('screen token cache', () => screenTokens.close());
  const apiKeys = new ApiKeyCache(bus);
  closers.add('API key cache', () => apiKeys.close());
  const sessions = new SessionStore(db, bus, { idleMs: config.sessionIdleMinutes * 60_000, maxMs: config.sessionTtlHours * 3_600_000 });
  closers.add('sessions', () => sessions.close());
  const rateLimits = new RateLimits(
    { signIn: config.loginAttemptsPerMinute, ratingPerAddress: config.ratingsPerMinutePerAddress, tokenIssue: config.tokensPerMinutePerKey },
    config.redisUrl,
    config.rateLimitNamespace,
  );
  closers.add('rate limits', () => rateLimits.close());
  const presentations = new PresentationRegistry(bus, kernel.clock);
  closers.add('presentations', () => presentations.close());

  const shared = {
    ...kernel,
    ...db,
    cipher,
    deliverySigner,
    tokens,
    bus,
    instanceId: bus.origin,
    tags: new TagDictionary(orm),
    apiKeys,
    rateLimits,
    sessions,
    screenTokens,
    presentations,
    liveHub,
    messages: MessageGateways.fromConfig(config),
    groupCommit,
    channelCodes: pfCodes(config.pfCodes),
    demoTries: new DemoTryLimiter(),
    upheldSignals: { upheldIn: (regionCode: string, startMs: number, endMs: number) => upheldSignals(db, regionCode, startMs, endMs) },
  };
  // Every service record, rating and invalidation is written for the provincial platform in its own
  // transaction (R26); the exchange worker (server.ts, `npm run job:outbox`) delivers them.
  const exchange = createExchangeHooks({ cipher, clock: kernel.clock });
  const withHooks = { ...shared, serviceHooks: [exchange.onServiceStored], invalidationHooks: [exchange.onRatingInvalidated] };
  // The rating feature is given its after-store hooks here: a bad rating opens a rectification case (R13).
  const rectification = createRectificationHook(withHooks);
  closers.add('rectification hook', () => rectification.close());

  const metrics = processMetrics(shared, bus);
  closers.add('metrics', () => metrics.close());

  const app = {
    ...withHooks,
    metrics: metrics.registry,
    // The evaluation record first, so it is written before the rectification record of the case it opens.
    ratingHooks: [exchange.onRatingStored, rectification.onRatingStored],
    close: () => closers.closeAll(),
  } satisfies App & FeatureDeps;
  return app;
}

/** The metrics every process exposes; the HTTP server adds its own (refusals, sockets, skipped frames). */
function processMetrics(app: Database & { groupCommit: GroupCommit<Counted>; liveHub: LiveHub }, bus: ChangeBus): { registry: MetricsRegistry; close(): void } {
  const registry = new MetricsRegistry();
  const ratings = registry.counter('hcp_ratings_stored_total', 'Ratings stored by this process (first, follow-up and default)');
  const stopCounting = bus.subscribe((event) => {
    if (event.kind === 'rating' && event.origin === bus.origin) ratings.inc();
  });
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  const group = () => app.groupCommit.stats;
  registry.sample({ name: 'hcp_group_commit_groups_total', help: 'Group commits run', type: 'counter', read: () => group().groups });
  registry.sample({ name: 'hcp_group_commit_jobs_total', help: 'Ratings and registrations committed in groups', type: 'counter', read: () => group().jobs });
  registry.sample({ name: 'hcp_group_commit_largest', help: 'Largest group since start', type: 'gauge', read: () => group().largestGroup });
  registry.sample({
    name: 'hcp_group_commit_batch_fallbacks_total',
    help: 'Groups whose batch of first ratings failed and ran again rating by rating',
    type: 'counter',
    read: () => group().batchFallbacks,
  });
  registry.sample({ name: 'hcp_group_commit_seconds_total', help: 'Time spent in group transactions', type: 'counter', read: () => group().busyMs / 1000 });
  registry.sample({ name: 'hcp_live_topics', help: 'Live topics computed by this process', type: 'gauge', read: () => app.liveHub.stats().topics });
  registry.sample({
    name: 'hcp_live_subscribers',
    help: 'Live subscriptions served by this process',
    type: 'gauge',
    read: () => app.liveHub.stats().subscribers,
  });
  registry.sample({
    name: 'hcp_outbox_backlog',
    help: 'Outbox records not yet delivered (provincial platform, SMS, portal messages)',
    type: 'gauge',
    read: async () =>
      Number(
        (await (app.orm.em.fork() as Em).execute<Array<{ n: number }>>("select count(*) as n from outbox where state in ('PENDING', 'POISON')"))[0]?.n ?? 0,
      ),
  });
  registry.sample({
    name: 'hcp_event_loop_lag_seconds',
    help: 'Event-loop delay, 99th percentile since start',
    type: 'gauge',
    read: () => lag.percentile(99) / 1e9,
  });
  registry.sample({
    name: 'hcp_db_pool_connections',
    help: 'Database pool connections by state (PostgreSQL)',
    type: 'gauge',
    read: () => poolUsage(app),
  });
  return {
    registry,
    close: () => {
      stopCounting();
      lag.disable();
    },
  };
}

function poolUsage(db: Database): Array<{ labels: Record<string, string>; value: number }> {
  if (db.dialect !== 'postgresql') return [];
  const pool = (
    db.orm.em.getConnection() as unknown as { getKnex(): { client: { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } } } }
  ).getKnex().client.pool;
  if (!pool) return [];
  return [
    { labels: { state: 'used' }, value: pool.numUsed() },
    { labels: { state: 'free' }, value: pool.numFree() },
    { labels: { state: 'waiting' }, value: pool.numPendingAcquires() },
  ];
}

/** Shutdown steps, run once, newest first, each logged when it fails without stopping the rest. */
class Closers {
  private readonly steps: Array<{ name: string; close: () => unknown }> = [];
  private closing: Promise<void> | null = null;

  constructor(private readonly logger: Logger) {}

  add(name: string, close: () => unknown): void {
    this.steps.push({ name, close });
  }

  closeAll(): Promise<void> {
    this.closing ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.close();
        } catch (err) {
          this.logger.error('error while closing', { part: step.name, error: err instanceof Error ? err.message : String(err) });
        }
      }
    })();
    return this.closing;
  }
}
