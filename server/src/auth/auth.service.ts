import type { Kernel } from '../common/kernel.js';
import type { ChangeBus } from '../common/pubsub.js';
import type { RateLimits } from '../common/rate-limit.js';
import { hashPassword, randomSecret, verifyPassword } from '../common/crypto.js';
import { AccountLockedError, RateLimitedError, SecondFactorRequiredError, UnauthenticatedError } from '../common/errors.js';
import type { PiiCipher } from '../common/crypto.js';
import { checkTotp, TOTP_ROLES } from './totp.js';
import type { Database, Em } from '../db/orm.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { ApiKeySchema, AppUserSchema, LoginGuardSchema, type AppUser } from './auth.entities.js';
import { PUBLIC_ACTOR, type Actor, type Role } from '../common/actor.js';
import type { TokenService } from './tokens.js';
import type { SessionStore } from './session.store.js';
import { recordAudit } from './audit.service.js';

/**
 * Auth asks whether a screen or embed token is still active (not revoked) through this interface; the
 * screen feature implements it and the composition root hands it over, so auth never imports screen.
 */
export interface ScreenTokenCheck {
  assertActive(tokenId: string): Promise<void>;
}

/** What signing in and reading credentials need. */
export interface AuthDeps extends Kernel, Database {
  readonly tokens: TokenService;
  readonly apiKeys: ApiKeyCache;
  readonly screenTokens: ScreenTokenCheck;
  readonly rateLimits: RateLimits;
  readonly sessions: SessionStore;
  /** Seals TOTP secrets like personal data. */
  readonly cipher: PiiCipher;
}

/** A password hash nobody knows: unknown usernames are checked against it, so they take as long as known ones. */
/** One per hash cost (PASSWORD_HASH_COST), so it costs what a known user's check costs. */
const dummyHashes = new Map<number, Promise<string>>();
function unknownUserHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) dummyHashes.set(cost, (hash = hashPassword(randomSecret(24), cost)));
  return hash;
}

const KEY_CACHE_MS = 30_000;
const KEY_CACHE_MAX = 10_000;

/**
 * API keys by digest, cached briefly (30 s), one per process. Revoking or rotating a key forgets it at
 * once here and, through the change bus (and Redis when bridged), on every other server; a server that
 * misses the event (Redis down) still drops it within 30 s. While a key is loaded, the requests that
 * come meanwhile wait for that one load (at 50 connections, an expired entry used to be loaded by every
 * request that found it expired). The digest of a secret seen before is remembered too (a bounded map
 * in this process's memory, where the secrets pass anyway): SM3 in JavaScript costs more than the lookup.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { found: Promise<ApiKeyFound | null>; until: number }>();
  private readonly digests = new Map<string, string>();
  private readonly unsubscribe: () => void;

  constructor(private readonly bus?: ChangeBus) {
    this.unsubscribe =
      bus?.subscribe((event) => {
        const hash = event.kind === 'catalog' ? event.detail?.apiKeyRevoked : undefined;
        if (typeof hash === 'string') this.entries.delete(hash);
      }) ?? (() => undefined);
  }

  /** The stored digest of a presented secret (remembered for secrets seen before). */
  digestOf(secret: string, digest: (secret: string) => string): string {
    let hash = this.digests.get(secret);
    if (hash === undefined) {
      if (this.digests.size >= KEY_CACHE_MAX) this.digests.clear();
      hash = digest(secret);
      this.digests.set(secret, hash);
    }
    return hash;
  }

  /**
   * The key's actor, or null for an unknown, revoked or (rotated and) expired key as of `now`.
   * Two clocks on purpose: a rotated key's end is a business time, so it is judged by the app's clock
   * (`now`, which tests move by hours); how long an entry may stay cached is the process's own matter,
   * so it is judged by the wall clock, and moving the app's clock neither keeps a revoked key alive nor
   * empties the cache.
   */
  async lookup(hash: string, load: () => Promise<ApiKeyFound | null>, now: number): Promise<Actor | null> {
    const wall = Date.now();
    let hit = this.entries.get(hash);
    if (!hit || hit.until < wall) {
      if (this.entries.size >= KEY_CACHE_MAX) this.entries.delete(this.entries.keys().next().value!);
      const entry = { found: load(), until: wall + KEY_CACHE_MS };
      hit = entry;
      this.entries.set(hash, entry);
      // A failed load (database down) is not remembered: the next request tries again.
      entry.found.catch(() => {
        if (this.entries.get(hash) === entry) this.entries.delete(hash);
      });
    }
    const found = await hit.found;
    if (!found || (found.expiresAt !== null && found.expiresAt <= now)) return null;
    return found.actor;
  }

  /** Drops a key (revoked or rotated): at once in this process, and on the other servers through the change bus. */
  forget(hash: string, at = Date.now()): void {
    this.entries.delete(hash);
    this.bus?.publish({ kind: 'catalog', scopes: [`api-key:${hash}`], at, detail: { apiKeyRevoked: hash } });
  }

  close(): void {
    this.unsubscribe();
    this.entries.clear();
    this.digests.clear();
  }
}

/** A key as the cache keeps it: who it speaks for, and when a rotated key runs out. */
export interface ApiKeyFound {
  actor: Actor;
  expiresAt: number | null;
}

/** Reads the credentials of one request (HTTP headers or graphql-ws connection params). */
export async function actorFromCredentials(app: AuthDeps, authorization?: string | null, apiKey?: string | null): Promise<Actor> {
  const auth = authorization?.trim() ?? '';
  if (auth.toLowerCase().startsWith('apikey ')) return actorFromApiKey(app, auth.slice(7).trim());
  if (apiKey) return actorFromApiKey(app, apiKey.trim());
  if (auth.toLowerCase().startsWith('bearer ')) return actorFromToken(app, auth.slice(7).trim());
  return PUBLIC_ACTOR;
}

async function actorFromToken(app: AuthDeps, token: string): Promise<Actor> {
  const claims = await app.tokens.verify(token, ['session', 'rating', 'screen', 'embed']);
  if (claims.typ === 'rating') {
    return { role: 'rater', label: `rating-token:${claims.jti}`, serviceId: Number(claims.sub), tokenId: claims.jti };
  }
  if (claims.typ === 'screen' || claims.typ === 'embed') {
    await app.screenTokens.assertActive(claims.jti);
    return {
      role: 'screen',
      label: `${claims.typ}:${claims.jti}`,
      tokenId: claims.jti,
      regionCode: (claims.regionCode as string | undefined) ?? undefined,
      departmentId: (claims.departmentId as number | undefined) ?? undefined,
    };
  }
  await app.sessions.assertAlive(claims.jti, app.clock.now().getTime());
  return {
    role: claims.role as Role,
    label: `user:${claims.sub}`,
    userId: Number(claims.sub),
    sessionId: claims.jti,
    departmentId: (claims.departmentId as number | null) ?? undefined,
    departmentPath: (claims.departmentPath as string | null) ?? undefined,
    regionCode: (claims.regionCode as string | null) ?? undefined,
    limited: (claims.lim as Actor['limited'] | undefined) ?? undefined,
  };
}

async function actorFromApiKey(app: AuthDeps, secret: string): Promise<Actor> {
  const hash = app.apiKeys.digestOf(secret, (value) => app.cipher.digest(value));
  const actor = await app.apiKeys.lookup(hash, () => loadApiKeyActor(app, hash), app.clock.now().getTime());
  if (!actor) throw new UnauthenticatedError('the API key is unknown or revoked');
  return actor;
}

async function loadApiKeyActor(app: Database, hash: string): Promise<ApiKeyFound | null> {
  const em = app.orm.em.fork() as Em;
  const key = await em.findOne(ApiKeySchema, { keyHash: hash, revoked: false });
  if (!key) return null;
  const dept = key.departmentId ? await em.findOne(DepartmentSchema, { id: key.departmentId }) : null;
  const actor: Actor = {
    role: key.role as Role,
    label: `apikey:${key.id}`,
    apiKeyId: key.id,
    departmentId: key.departmentId ?? undefined,
    departmentPath: dept?.path,
    windowId: key.windowId ?? undefined,
    terminalId: key.terminalId ?? undefined,
  };
  return { actor, expiresAt: key.expiresAt };
}

/**
 * Signs in a person; the session token carries the role and scope so requests need no lookup. Too many
 * attempts from one address are refused (RATE_LIMITED), and a username with `loginMaxFailures` wrong
 * passwords in a row is locked for `loginLockMinutes` (ACCOUNT_LOCKED), whether it exists or not. An
 * unknown username costs the same password check as a known one, so neither the answer nor its time
 * tells which accounts exist.
 */
export async function login(app: AuthDeps, username: string, password: string, clientIp = 'unknown', totp?: string | null) {
  const now = app.clock.now().getTime();
  const name = username.trim().slice(0, 60);
  const audit = (action: string, outcome: 'ok' | 'refused', detail?: string) =>
    recordAudit(
      app,
      { actor: { role: 'public', label: `sign-in:${name}`.slice(0, 100) }, action, subject: `user:${name}`.slice(0, 100), outcome, ip: clientIp, detail },
      now,
    );
  try {
    await app.rateLimits.take('signIn', clientIp);
  } catch (err) {
    if (err instanceof RateLimitedError) await audit('sign-in.throttled', 'refused');
    throw err;
  }
  const em = app.orm.em.fork() as Em;
  const guard = await em.findOne(LoginGuardSchema, { username: name });
  if (guard?.lockedUntil && guard.lockedUntil > now) {
    await audit('sign-in.locked', 'refused');
    throw lockedError(guard.lockedUntil, now);
  }
  const user = await em.findOne(AppUserSchema, { username: name });
  const matches = await verifyPassword(password, user?.passwordHash ?? (await unknownUserHash(app.config.passwordHashCost)));
  // A disabled account answers like a wrong password (after the same work), so it cannot be probed either.
  const factor = user && matches && !user.disabled ? await secondFactor(app, em, user, totp, now) : 'bad';
  if (factor === 'missing') {
    await audit('sign-in.totp-required', 'refused');
    throw new SecondFactorRequiredError('this account has a second factor: send the current 6-digit code of the authenticator app as totp');
  }
  if (!user || !matches || factor === 'bad') {
    const failures = (guard?.failures ?? 0) + 1;
    const locks = failures >= app.config.loginMaxFailures;
    const lockedUntil = locks ? now + app.config.loginLockMinutes * 60_000 : null;
    await em.upsert(LoginGuardSchema, { username: name, failures: locks ? 0 : failures, lockedUntil, updatedAt: now });
    app.logger.warn(locks ? 'sign-in failed; the username is locked' : 'sign-in failed', { failures, locked: locks });
    await audit(locks ? 'sign-in.lock' : 'sign-in.failure', 'refused', locks ? `locked for ${app.config.loginLockMinutes} minutes` : `failure ${failures}`);
    // Same message whether the user or the password was wrong, so accounts cannot be probed.
    if (locks) throw lockedError(lockedUntil!, now);
    throw new UnauthenticatedError('the username or password is wrong');
  }
  if (guard) await em.nativeDelete(LoginGuardSchema, { username: name });
  const session = await issueSession(app, em, user, limitOf(app, user));
  await recordAudit(
    app,
    { actor: { role: user.role as Role, label: `user:${user.id}` }, action: 'sign-in.success', subject: `user:${user.id}`, ip: clientIp },
    now,
  );
  return session;
}

/**
 * The second factor of an enrolled account: 'ok' (code right, step recorded so it is good once),
 * 'missing' (no code sent: the client asks for it; not a failure) or 'bad' (counts as a failure).
 */
async function secondFactor(app: AuthDeps, em: Em, user: AppUser, code: string | null | undefined, now: number) {
  if (!user.totpEnabled || !user.totpSecret) return 'ok' as const;
  if (!code) return 'missing' as const;
  const step = await checkTotp(app.cipher.decrypt(user.totpSecret), code.trim(), now, user.totpLastStep);
  if (step === null) return 'bad' as const;
  // Compare-and-set: two sign-ins racing with the same code cannot both pass.
  const won = await em.nativeUpdate(AppUserSchema, { id: user.id, totpLastStep: user.totpLastStep }, { totpLastStep: step });
  return won === 1 ? ('ok' as const) : ('bad' as const);
}

/** What a fresh session may do: only change a reset password, or only enrol a required second factor. */
function limitOf(app: AuthDeps, user: AppUser): Actor['limited'] {
  if (user.mustChangePassword) return 'password';
  if (app.config.requireTotp && !user.totpEnabled && TOTP_ROLES.includes(user.role as Role)) return 'totp';
  return undefined;
}

function lockedError(until: number, now: number): AccountLockedError {
  const minutes = Math.ceil((until - now) / 60_000);
  return new AccountLockedError(`too many wrong passwords: this username is locked for ${minutes} more minute(s); ask an administrator if you need in sooner`, {
    retryAfter: Math.ceil((until - now) / 1000),
  });
}

/** Signs the session token and records the session on the server (logout and the idle timeout end it there). */
export async function issueSession(app: Pick<AuthDeps, 'tokens' | 'config' | 'sessions' | 'clock'>, em: Em, user: AppUser, limited?: Actor['limited']) {
  const dept = user.departmentId ? await em.findOne(DepartmentSchema, { id: user.departmentId }) : null;
  const { token, jti, expiresAt } = await app.tokens.sign('session', String(user.id), app.config.sessionTtlHours * 3600, {
    role: user.role,
    departmentId: user.departmentId,
    departmentPath: dept?.path ?? null,
    regionCode: user.regionCode,
    ...(limited ? { lim: limited } : {}),
  });
  await app.sessions.open(em, jti, user.id, app.clock.now().getTime());
  return {
    token,
    expiresAt: expiresAt!,
    role: user.role,
    displayName: user.displayName,
    mustChangePassword: limited === 'password',
    mustEnrollTotp: limited === 'totp',
  };
}

/** Ends the caller's session at once, on every server; its WebSocket connections are closed. */
export async function logout(app: AuthDeps, actor: Actor): Promise<boolean> {
  if (!actor.sessionId) throw new UnauthenticatedError('only a signed-in person can sign out (machine keys and tokens have no session)');
  const now = app.clock.now().getTime();
  await app.sessions.end(actor.sessionId, now);
  await recordAudit(app, { actor, action: 'sign-out', subject: actor.label }, now);
  return true;
}

export async function createUser(
  em: Em,
  input: {
    username: string;
    password: string;
    role: Role;
    displayName: string;
    departmentId?: number | null;
    regionCode?: string | null;
  },
  now: number,
  /** scrypt cost (log2 N): the app's `config.passwordHashCost`. */
  hashCost: number,
): Promise<AppUser> {
  const user = em.create(AppUserSchema, {
    username: input.username,
    passwordHash: await hashPassword(input.password, hashCost),
    role: input.role,
    displayName: input.displayName,
    departmentId: input.departmentId ?? null,
    regionCode: input.regionCode ?? null,
    createdAt: now,
    disabled: false,
    passwordHistory: null,
    passwordChangedAt: now,
    mustChangePassword: false,
    totpSecret: null,
    totpEnabled: false,
    totpLastStep: null,
  });
  await em.flush();
  return user;
}

/** Creates a machine key and returns its secret once; only the digest is stored. */
export async function createApiKey(
  em: Em,
  input: {
    role: 'system' | 'device';
    name: string;
    departmentId?: number | null;
    windowId?: number | null;
    terminalId?: number | null;
    secret?: string;
  },
  now: number,
  /** The installation's cipher: keys are stored by its digest (SHA-256, or SM3 under CRYPTO_PROFILE=sm). */
  cipher: Pick<PiiCipher, 'digest'>,
): Promise<string> {
  const secret = input.secret ?? `hcp_${randomSecret(24)}`;
  em.create(ApiKeySchema, {
    keyHash: cipher.digest(secret),
    role: input.role,
    name: input.name,
    departmentId: input.departmentId ?? null,
    windowId: input.windowId ?? null,
    terminalId: input.terminalId ?? null,
    revoked: false,
    createdAt: now,
    revokedAt: null,
    expiresAt: null,
  });
  await em.flush();
  return secret;
}
