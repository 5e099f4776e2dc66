import { CRYPTO_PROFILES, DEFAULT_PASSWORD_HASH_COST, type CryptoProfile } from './crypto.js';
import { availableParallelism } from 'node:os';
import { InvalidInputError } from './errors.js';

/** Every setting comes from the environment, with a safe default; the README lists them all. */
export interface Config {
  port: number;
  /**
   * Server processes sharing the port (WORKERS, default 1; `auto` = one per CPU). More than one needs
   * PostgreSQL (DATABASE_URL) and Redis (REDIS_URL): see app/cluster.ts.
   */
  workers: number;
  host: string;
  dataDir: string;
  /** The Chromium that prints bulletins to PDF (playwright-core drives it). */
  chromiumPath: string;
  databaseUrl?: string;
  /**
   * PostgreSQL: keep the rating path's statements prepared on each connection under a name (parsed and
   * planned once). Off behind a pooler that moves a client between server connections (PgBouncer in
   * transaction mode before 1.21, or without max_prepared_statements): every statement then goes unnamed.
   */
  pgNamedStatements: boolean;
  /** PostgreSQL: group commits in flight at once (each holds a pooled connection; fewer means larger groups, fewer round trips per rating). */
  pgGroupsInFlight: number;
  redisUrl?: string;
  /** The Redis channel of change events: servers of one deployment share it; deployments sharing a Redis differ. */
  redisChannel: string;
  /** AES-256-GCM key for personal data (base64, 32 bytes) and its id; dev default generated under dataDir. */
  piiKey?: string;
  piiKeyId: string;
  /** Older keys still readable, "id:base64,id:base64", for key rotation. */
  piiOldKeys?: string;
  /**
   * CRYPTO_PROFILE, chosen at install time and fixed once the database holds data: `intl` (AES-256-GCM,
   * SHA-256) or `sm` (国密 GB/T 39786: SM4-GCM for personal data, SM3 for the audit chain and API-key
   * digests, HMAC-SM3 blind indexes, SM2 signatures on deliveries to the provincial platform).
   */
  cryptoProfile: CryptoProfile;
  /** SM2 key pair (hex) that signs provincial deliveries under `sm`; dev default generated under dataDir. */
  sm2PrivateKey?: string;
  sm2PublicKey?: string;
  /** HMAC secret for session, rating, device-free embed and screen tokens. */
  authSecret?: string;
  /** R11: a service unrated this many natural days after completion gets the default 基本满意. */
  defaultAfterDays: number;
  /** R9: how long after completion a rating is accepted; defaults to defaultAfterDays. */
  ratingWindowDays: number;
  /** R9: days after the first rating during which one follow-up (追评) is accepted; 0 = no follow-ups. */
  followUpDays: number;
  /** R7: lifetime of a receipt QR rating token. */
  ratingTokenTtlHours: number;
  sessionTtlHours: number;
  /** A session ends after this many minutes without a request. */
  sessionIdleMinutes: number;
  /** Seed the demo city when the database is empty (default on for the embedded SQLite mode). */
  seedDemo: boolean;
  seedRatings: number;
  /** Coalescing interval of live topics (ms). */
  liveIntervalMs: number;
  /**
   * Whether anonymous callers (and raters) may read figures (PUBLIC_FIGURES, default on). Off: big
   * screens and portal widgets need a screen or embed token, and officials sign in.
   */
  publicFigures: boolean;
  /** Public callers never see a figure computed from fewer ratings than this. */
  minPublicRatings: number;
  /**
   * R12: a bad review (level 2 or 1) enters a public rating feed (big screen, widget) only this many
   * minutes after it was given, so nobody in the hall can tell who just gave it.
   */
  feedBadDelayMinutes: number;
  serveDashboard: boolean;
  /** R17: HTTP endpoint of the SMS gateway and of the portal's message service; unset = messages wait in the outbox. */
  smsGatewayUrl?: string;
  /**
   * R5, R7: the address citizens reach the server at (`https://hcp.example.gov.cn`, no trailing slash), put
   * before the links that leave the site (SMS invitations `/r/<code>`, feedback SMS, receipt QR codes).
   * Unset: links in SMS use `http://localhost:PORT`, QR codes the address the request came to.
   */
  publicBaseUrl?: string;
  /** R5: hours after completion (or acceptance) an unrated service gets its one SMS invitation to rate (Bozhou: 72). */
  smsInviteAfterHours: number;
  /** R5: HMAC-SHA256 key of inbound SMS replies (`X-Signature` over the raw body); unset = `POST /sms/inbound` does not exist. */
  smsInboundSecret?: string;
  portalMessageUrl?: string;
  /** R17, R26: endpoint of the provincial platform (POST JSON per record); unset = provincial records wait in the outbox. */
  provinceUrl?: string;
  /** Outbox delivery: poll interval, records claimed at once, per-request timeout, claim lease, backoff and poison threshold. */
  outboxIntervalMs: number;
  outboxBatch: number;
  outboxTimeoutMs: number;
  outboxLeaseMs: number;
  outboxRetryBaseMs: number;
  outboxRetryMaxMs: number;
  outboxPoisonAfter: number;
  /** NODE_ENV=production: no introspection, no "did you mean" hints in errors, no demo-only conveniences. */
  production: boolean;
  /** Largest HTTP request body accepted (bytes); larger ones get 413. */
  maxBodyBytes: number;
  /** Largest catalog file the `importCatalog` mutation takes (bytes, before base64); the CLI has no limit. */
  importMaxBytes: number;
  /** WebSocket limits: connections per client address, subscriptions per connection. */
  wsMaxConnectionsPerIp: number;
  wsMaxSubscriptions: number;
  /** A WebSocket that sends no connection_init within this many ms is closed (4408); tests on a loaded machine wait longer. */
  wsInitWaitMs: number;
  /**
   * scrypt cost of new password hashes, as log2 N (PASSWORD_HASH_COST, default 15 = N 32768). Every hash
   * records its own N, so existing hashes keep verifying whatever this says. Only the test suite lowers it.
   */
  passwordHashCost: number;
  /** Live topics one process computes at most, and how many new ones one connection may cause per minute. */
  liveMaxTopics: number;
  liveNewTopicsPerMinute: number;
  liveNewTopicsPerMinutePerIp: number;
  /** Bearer token a Prometheus scraper sends to `/metrics`; unset = no `/metrics`. */
  metricsToken?: string;
  /** TLS_CERT and TLS_KEY: PEM files; when both are set the server speaks HTTPS and WSS itself (and sends HSTS). */
  tlsCert?: string;
  tlsKey?: string;
  /** Portal origins allowed to frame the widget (EMBED_ORIGINS, comma-separated). */
  embedOrigins: string[];
  /** Sign-in: wrong passwords in a row before a username is locked, for how long, and attempts per address a minute. */
  loginMaxFailures: number;
  loginLockMinutes: number;
  loginAttemptsPerMinute: number;
  /** Ratings and follow-ups sent anonymously or with a rating token, per client address a minute (a hall's network shares one). */
  ratingsPerMinutePerAddress: number;
  /** Rating and follow-up tokens one machine key may issue a minute. */
  tokensPerMinutePerKey: number;
  /** Prefix of the rate-limit counters in Redis: the servers of one deployment share it. */
  rateLimitNamespace: string;
  /**
   * Officers, supervisors and administrators must enrol a TOTP second factor before they can work
   * (REQUIRE_TOTP; on by default in production). An account that enrolled always needs its code.
   */
  requireTotp: boolean;
  /** Provincial `pf` codes that differ from the common order, "HOTLINE=6,SMS=7,DEFAULT=7" (parsed once by the root). */
  pfCodes: string;
  /** R18 fraud-signal thresholds (FRAUD_*); docs/assessment-integrity.md gives the reason for each default. */
  fraud: {
    burstCount: number;
    burstMinutes: number;
    commentMinChars: number;
    commentMinCases: number;
    offHoursGraceMinutes: number;
    offHoursMinRatings: number;
    outlierZ: number;
    outlierMinRatings: number;
    outlierMinPeers: number;
  };
  /** Comment themes (社情民意): least mentions of a term in a period, and the rise over the previous period that flags it. */
  themeMinCount: number;
  themeRiseRatio: number;
  /** PIPL retention: days after which raters' and applicants' sealed personal data is erased (masked forms and figures stay). */
  retentionDays: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const defaultAfterDays = int(env, 'DEFAULT_AFTER_DAYS', 7, 1, 365);
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    workers: workersSetting(env.WORKERS ?? ''),
    host: env.HOST ?? '0.0.0.0',
    dataDir: env.DATA_DIR ?? 'data',
    chromiumPath: env.CHROMIUM_PATH || '/usr/bin/chromium',
    databaseUrl: env.DATABASE_URL || undefined,
    pgNamedStatements: bool(env, 'PG_NAMED_STATEMENTS', true),
    pgGroupsInFlight: int(env, 'PG_GROUPS_IN_FLIGHT', 2, 1, 8),
    redisUrl: env.REDIS_URL || undefined,
    redisChannel: env.REDIS_CHANNEL || 'haochaping:changes',
    piiKey: env.PII_KEY || undefined,
    piiKeyId: env.PII_KEY_ID ?? 'k1',
    piiOldKeys: env.PII_OLD_KEYS || undefined,
    authSecret: env.AUTH_SECRET || undefined,
    cryptoProfile: profileSetting(env.CRYPTO_PROFILE ?? ''),
    sm2PrivateKey: env.SM2_PRIVATE_KEY || undefined,
    sm2PublicKey: env.SM2_PUBLIC_KEY || undefined,
    defaultAfterDays,
    ratingWindowDays: int(env, 'RATING_WINDOW_DAYS', defaultAfterDays, 0, 365),
    followUpDays: int(env, 'FOLLOW_UP_DAYS', 0, 0, 365),
    ratingTokenTtlHours: int(env, 'RATING_TOKEN_TTL_HOURS', 24 * 7, 1, 24 * 365),
    sessionTtlHours: int(env, 'SESSION_TTL_HOURS', 8, 1, 24 * 30),
    sessionIdleMinutes: int(env, 'SESSION_IDLE_MINUTES', 15, 1, 365 * 24 * 60),
    seedDemo: bool(env, 'SEED_DEMO', !env.DATABASE_URL),
    seedRatings: int(env, 'SEED_RATINGS', 20_000, 0, 1_000_000_000),
    liveIntervalMs: int(env, 'LIVE_INTERVAL_MS', 500, 10, 60_000),
    minPublicRatings: int(env, 'MIN_PUBLIC_RATINGS', 5, 0, 1_000_000),
    publicFigures: bool(env, 'PUBLIC_FIGURES', true),
    feedBadDelayMinutes: int(env, 'FEED_BAD_DELAY_MINUTES', 30, 0, 24 * 60),
    serveDashboard: bool(env, 'SERVE_DASHBOARD', true),
    smsGatewayUrl: env.SMS_GATEWAY_URL || undefined,
    publicBaseUrl: baseUrlSetting(env.PUBLIC_BASE_URL),
    smsInviteAfterHours: int(env, 'SMS_INVITE_AFTER_HOURS', 72, 0, 365 * 24),
    smsInboundSecret: env.SMS_INBOUND_SECRET || undefined,
    portalMessageUrl: env.PORTAL_MESSAGE_URL || undefined,
    provinceUrl: env.PROVINCE_URL || undefined,
    outboxIntervalMs: int(env, 'OUTBOX_INTERVAL_MS', 2_000, 10, 3_600_000),
    outboxBatch: int(env, 'OUTBOX_BATCH', 20, 1, 1_000),
    outboxTimeoutMs: int(env, 'OUTBOX_TIMEOUT_MS', 10_000, 10, 300_000),
    outboxLeaseMs: int(env, 'OUTBOX_LEASE_MS', 60_000, 100, 3_600_000),
    outboxRetryBaseMs: int(env, 'OUTBOX_RETRY_BASE_MS', 10_000, 1, 3_600_000),
    outboxRetryMaxMs: int(env, 'OUTBOX_RETRY_MAX_MS', 3_600_000, 1, 86_400_000),
    outboxPoisonAfter: int(env, 'OUTBOX_POISON_AFTER', 8, 1, 1_000),
    pfCodes: pfCodesSetting(env.PF_CODES ?? ''),
    production: env.NODE_ENV === 'production',
    embedOrigins: originsSetting(env.EMBED_ORIGINS ?? ''),
    tlsCert: env.TLS_CERT || undefined,
    tlsKey: env.TLS_KEY || undefined,
    metricsToken: env.METRICS_TOKEN || undefined,
    loginMaxFailures: int(env, 'LOGIN_MAX_FAILURES', 5, 1, 100),
    loginLockMinutes: int(env, 'LOGIN_LOCK_MINUTES', 15, 1, 24 * 60),
    loginAttemptsPerMinute: int(env, 'LOGIN_ATTEMPTS_PER_MINUTE', 30, 1, 100_000),
    ratingsPerMinutePerAddress: int(env, 'RATINGS_PER_MINUTE_PER_ADDRESS', 120, 1, 10_000_000),
    tokensPerMinutePerKey: int(env, 'TOKENS_PER_MINUTE_PER_KEY', 6_000, 1, 10_000_000),
    rateLimitNamespace: env.RATE_LIMIT_NAMESPACE || 'hcp',
    requireTotp: bool(env, 'REQUIRE_TOTP', env.NODE_ENV === 'production'),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    importMaxBytes: int(env, 'IMPORT_MAX_BYTES', 768 * 1024, 1024, 48 * 1024 * 1024),
    wsMaxConnectionsPerIp: int(env, 'WS_MAX_CONNECTIONS_PER_IP', 200, 1, 1_000_000),
    wsMaxSubscriptions: int(env, 'WS_MAX_SUBSCRIPTIONS', 50, 1, 10_000),
    wsInitWaitMs: int(env, 'WS_INIT_WAIT_MS', 3_000, 100, 600_000),
    passwordHashCost: int(env, 'PASSWORD_HASH_COST', DEFAULT_PASSWORD_HASH_COST, 10, 20),
    liveMaxTopics: int(env, 'LIVE_MAX_TOPICS', 5_000, 1, 1_000_000),
    liveNewTopicsPerMinute: int(env, 'LIVE_NEW_TOPICS_PER_MINUTE', 60, 1, 1_000_000),
    liveNewTopicsPerMinutePerIp: int(env, 'LIVE_NEW_TOPICS_PER_MINUTE_PER_IP', 120, 1, 1_000_000),
    fraud: {
      burstCount: int(env, 'FRAUD_BURST_COUNT', 5, 2, 10_000),
      burstMinutes: int(env, 'FRAUD_BURST_MINUTES', 10, 1, 24 * 60),
      commentMinChars: int(env, 'FRAUD_COMMENT_MIN_CHARS', 15, 1, 1_000),
      commentMinCases: int(env, 'FRAUD_COMMENT_MIN_CASES', 3, 2, 10_000),
      offHoursGraceMinutes: int(env, 'FRAUD_OFF_HOURS_GRACE_MINUTES', 30, 0, 12 * 60),
      offHoursMinRatings: int(env, 'FRAUD_OFF_HOURS_MIN_RATINGS', 3, 1, 10_000),
      outlierZ: num(env, 'FRAUD_OUTLIER_Z', 3.5, 1, 100),
      outlierMinRatings: int(env, 'FRAUD_OUTLIER_MIN_RATINGS', 100, 1, 1_000_000),
      outlierMinPeers: int(env, 'FRAUD_OUTLIER_MIN_PEERS', 5, 3, 100_000),
    },
    themeMinCount: int(env, 'THEME_MIN_COUNT', 3, 1, 1_000_000),
    themeRiseRatio: num(env, 'THEME_RISE_RATIO', 2, 1, 1_000),
    retentionDays: int(env, 'RETENTION_DAYS', 730, 180, 36_500),
  };
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw InvalidInputError.field(`environment variable ${name}`, `a number ${min}–${max}`, raw);
  }
  return value;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw InvalidInputError.field(`environment variable ${name}`, `an integer ${min}–${max}`, raw);
  }
  return value;
}

function workersSetting(raw: string): number {
  const value = raw.trim().toLowerCase();
  if (value === 'auto') return availableParallelism();
  if (value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw InvalidInputError.field('environment variable WORKERS', 'an integer 1–256, or auto', raw);
  return n;
}

function baseUrlSetting(raw: string | undefined): string | undefined {
  if (!raw?.trim()) return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw InvalidInputError.field('PUBLIC_BASE_URL', 'an http(s) address such as https://hcp.example.gov.cn', raw);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username) {
    throw InvalidInputError.field('PUBLIC_BASE_URL', 'an http(s) address without query, fragment or credentials', raw);
  }
  return url.href.replace(/\/+$/, '');
}

/** The absolute address of a path of ours for a message that leaves the site (an SMS): PUBLIC_BASE_URL, else this host's port. */
export function publicUrl(config: Pick<Config, 'publicBaseUrl' | 'port'>, path: string): string {
  return `${config.publicBaseUrl ?? `http://localhost:${config.port}`}${path}`;
}

function originsSetting(raw: string): string[] {
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(origin)) {
      throw InvalidInputError.field('environment variable EMBED_ORIGINS', 'origins such as https://www.example.gov.cn, comma-separated', raw);
    }
  }
  return origins;
}

function profileSetting(raw: string): CryptoProfile {
  const value = raw.trim().toLowerCase() || 'intl';
  if (!(CRYPTO_PROFILES as readonly string[]).includes(value)) throw InvalidInputError.field('environment variable CRYPTO_PROFILE', 'intl or sm', raw);
  return value as CryptoProfile;
}

function pfCodesSetting(raw: string): string {
  const pairs = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const pair of pairs) {
    if (!/^[A-Z_]+=\d+$/.test(pair)) throw InvalidInputError.field('environment variable PF_CODES', 'CHANNEL=code pairs, e.g. HOTLINE=6,SMS=7', raw);
  }
  return pairs.join(',');
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw InvalidInputError.field(`environment variable ${name}`, 'true or false', raw);
}
