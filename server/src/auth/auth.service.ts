import type { Kernel } from '../common/kernel.js';
import { digest, hashPassword, randomSecret, verifyPassword } from '../common/crypto.js';
import { UnauthenticatedError } from '../common/errors.js';
import type { Database, Em } from '../db/orm.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { ApiKeySchema, AppUserSchema, type AppUser } from './auth.entities.js';
import { PUBLIC_ACTOR, type Actor, type Role } from '../common/actor.js';
import type { TokenService } from './tokens.js';

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
}

const KEY_CACHE_MS = 30_000;

/** API keys by digest, cached briefly; a revoked key stops working within 30 s. One per process. */
export class ApiKeyCache {
  private readonly entries = new Map<string, { actor: Actor | null; until: number }>();

  async lookup(hash: string, load: () => Promise<Actor | null>): Promise<Actor | null> {
    const now = Date.now();
    let hit = this.entries.get(hash);
    if (!hit || hit.until < now) {
      hit = { actor: await load(), until: now + KEY_CACHE_MS };
      this.entries.set(hash, hit);
    }
    return hit.actor;
  }
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
  return {
    role: claims.role as Role,
    label: `user:${claims.sub}`,
    userId: Number(claims.sub),
    departmentId: (claims.departmentId as number | null) ?? undefined,
    departmentPath: (claims.departmentPath as string | null) ?? undefined,
    regionCode: (claims.regionCode as string | null) ?? undefined,
  };
}

async function actorFromApiKey(app: AuthDeps, secret: string): Promise<Actor> {
  const hash = digest(secret);
  const actor = await app.apiKeys.lookup(hash, () => loadApiKeyActor(app, hash));
  if (!actor) throw new UnauthenticatedError('the API key is unknown or revoked');
  return actor;
}

async function loadApiKeyActor(app: Database, hash: string): Promise<Actor | null> {
  const em = app.orm.em.fork() as Em;
  const key = await em.findOne(ApiKeySchema, { keyHash: hash, revoked: false });
  if (!key) return null;
  const dept = key.departmentId ? await em.findOne(DepartmentSchema, { id: key.departmentId }) : null;
  return {
    role: key.role as Role,
    label: `apikey:${key.id}`,
    apiKeyId: key.id,
    departmentId: key.departmentId ?? undefined,
    departmentPath: dept?.path,
    windowId: key.windowId ?? undefined,
    terminalId: key.terminalId ?? undefined,
  };
}

/** Signs in a person; the session token carries the role and scope so requests need no lookup. */
export async function login(app: AuthDeps, username: string, password: string) {
  const em = app.orm.em.fork() as Em;
  const user = await em.findOne(AppUserSchema, { username });
  // Same message whether the user or the password was wrong, so accounts cannot be probed.
  if (!user || !(await verifyPassword(password, user.passwordHash))) {
    throw new UnauthenticatedError('the username or password is wrong');
  }
  return issueSession(app, em, user);
}

export async function issueSession(app: Pick<AuthDeps, 'tokens' | 'config'>, em: Em, user: AppUser) {
  const dept = user.departmentId ? await em.findOne(DepartmentSchema, { id: user.departmentId }) : null;
  const { token, expiresAt } = await app.tokens.sign('session', String(user.id), app.config.sessionTtlHours * 3600, {
    role: user.role,
    departmentId: user.departmentId,
    departmentPath: dept?.path ?? null,
    regionCode: user.regionCode,
  });
  return { token, expiresAt: expiresAt!, role: user.role, displayName: user.displayName };
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
): Promise<AppUser> {
  const user = em.create(AppUserSchema, {
    username: input.username,
    passwordHash: await hashPassword(input.password),
    role: input.role,
    displayName: input.displayName,
    departmentId: input.departmentId ?? null,
    regionCode: input.regionCode ?? null,
    createdAt: now,
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
): Promise<string> {
  const secret = input.secret ?? `hcp_${randomSecret(24)}`;
  em.create(ApiKeySchema, {
    keyHash: digest(secret),
    role: input.role,
    name: input.name,
    departmentId: input.departmentId ?? null,
    windowId: input.windowId ?? null,
    terminalId: input.terminalId ?? null,
    revoked: false,
    createdAt: now,
  });
  await em.flush();
  return secret;
}
