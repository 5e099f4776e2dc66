import { hashPassword, randomSecret, verifyPassword } from '../common/crypto.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, UnauthenticatedError, WeakPasswordError } from '../common/errors.js';
import type { Actor } from '../common/actor.js';
import { isValidRegionCode } from '../catalog/region.logic.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import type { Em } from '../db/orm.js';
import { mapDatabaseError } from '../db/errors.js';
import { ApiKeySchema, AppUserSchema, type ApiKey, type AppUser } from './auth.entities.js';
import { appendAudit } from './audit.service.js';
import type { AuthDeps } from './auth.service.js';
import { nextHistory, parseHistory, passwordProblem } from './password.logic.js';
import { checkTotp, newTotpSecret, totpUri } from './totp.js';

/** Managing accounts and keys needs what signing in needs. */
export type AccountDeps = AuthDeps;

/** Roles a person can hold; machine roles (system, device) are API keys, the others are tokens. */
export const PERSON_ROLES = ['department', 'supervisor', 'hotline', 'admin', 'security', 'auditor'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

export interface UserInput {
  username: string;
  displayName: string;
  role: string;
  departmentId?: number | null;
  regionCode?: string | null;
  password: string;
}

export interface UserChanges {
  displayName?: string | null;
  role?: string | null;
  departmentId?: number | null;
  regionCode?: string | null;
}

const now = (app: AccountDeps) => app.clock.now().getTime();

async function audited<T>(app: AccountDeps, actor: Actor, action: string, subject: string, work: (tx: Em) => Promise<T>, detail?: string): Promise<T> {
  return (app.orm.em.fork() as Em).transactional(async (tx) => {
    const result = await work(tx as Em);
    await appendAudit(tx as Em, app.dialect, { actor, action, subject, detail }, now(app));
    return result;
  });
}

/** Refuses a password that breaks a rule, or (with `history`) one of the last five. */
export async function assertPasswordAllowed(password: string, username: string, history: string[] = []): Promise<void> {
  const problem = passwordProblem(password, username);
  if (problem) throw new WeakPasswordError(problem.message, { reason: problem.reason });
  for (const old of history) {
    if (await verifyPassword(password, old)) {
      throw new WeakPasswordError('this password was one of the last five; choose a new one (不得与最近 5 次使用的密码相同)', { reason: 'reused' });
    }
  }
}

async function checkScope(em: Em, role: PersonRole, departmentId: number | null, regionCode: string | null): Promise<void> {
  if (role === 'department') {
    if (!departmentId) throw InvalidInputError.field('departmentId', 'given for a department officer', departmentId);
    if (!(await em.findOne(DepartmentSchema, { id: departmentId }))) throw NotFoundError.of('department', String(departmentId));
  }
  if ((role === 'supervisor' || role === 'hotline') && !(regionCode && isValidRegionCode(regionCode))) {
    throw InvalidInputError.field('regionCode', 'a 12-digit region code for a supervisor or hotline operator', regionCode);
  }
}

function personRole(role: string): PersonRole {
  if (!(PERSON_ROLES as readonly string[]).includes(role)) throw InvalidInputError.field('role', PERSON_ROLES.join(', '), role);
  return role as PersonRole;
}

async function userById(em: Em, id: number): Promise<AppUser> {
  const user = await em.findOne(AppUserSchema, { id });
  if (!user) throw NotFoundError.of('user', String(id));
  return user;
}

/** A security administrator creates an account; the first sign-in must change the given password. */
export async function createAccount(app: AccountDeps, actor: Actor, input: UserInput): Promise<AppUser> {
  const username = input.username.trim();
  if (!/^[A-Za-z0-9._-]{3,60}$/.test(username)) throw InvalidInputError.field('username', '3–60 letters, digits, dots, dashes or underscores', username);
  const displayName = input.displayName.trim();
  if (!displayName || displayName.length > 60) throw InvalidInputError.field('displayName', '1–60 characters', displayName);
  const role = personRole(input.role);
  const departmentId = role === 'department' ? (input.departmentId ?? null) : null;
  const regionCode = role === 'supervisor' || role === 'hotline' ? (input.regionCode ?? null) : null;
  await assertPasswordAllowed(input.password, username);
  const passwordHash = await hashPassword(input.password, app.config.passwordHashCost);
  try {
    return await audited(
      app,
      actor,
      'user.create',
      `user:${username}`,
      async (tx) => {
        await checkScope(tx, role, departmentId, regionCode);
        const user = tx.create(AppUserSchema, {
          username,
          passwordHash,
          role,
          displayName,
          departmentId,
          regionCode,
          createdAt: now(app),
          disabled: false,
          passwordHistory: null,
          passwordChangedAt: now(app),
          mustChangePassword: true,
          totpSecret: null,
          totpEnabled: false,
          totpLastStep: null,
        });
        await tx.flush();
        return user;
      },
      `role ${role}`,
    );
  } catch (err) {
    throw mapDatabaseError(err, () => new ConflictError(`the username ${username} is taken; choose another`));
  }
}

/** Changes role or scope; the person's sessions end (their token carries the old role and scope). */
export async function updateAccount(app: AccountDeps, actor: Actor, id: number, changes: UserChanges): Promise<AppUser> {
  const user = await audited(
    app,
    actor,
    'user.update',
    `user:${id}`,
    async (tx) => {
      const user = await userById(tx, id);
      const role = personRole(changes.role ?? user.role);
      const departmentId = role === 'department' ? (changes.departmentId !== undefined ? changes.departmentId : user.departmentId) : null;
      const regionCode = role === 'supervisor' || role === 'hotline' ? (changes.regionCode !== undefined ? changes.regionCode : user.regionCode) : null;
      await checkScope(tx, role, departmentId, regionCode);
      if (changes.displayName != null) {
        const name = changes.displayName.trim();
        if (!name || name.length > 60) throw InvalidInputError.field('displayName', '1–60 characters', name);
        user.displayName = name;
      }
      if (id === actor.userId && role !== user.role) throw new ForbiddenError('a security administrator cannot change their own role');
      Object.assign(user, { role, departmentId, regionCode });
      await tx.flush();
      return user;
    },
    JSON.stringify({ role: changes.role, departmentId: changes.departmentId, regionCode: changes.regionCode }),
  );
  await app.sessions.endAllOf(user.id, now(app));
  return user;
}

export async function setAccountDisabled(app: AccountDeps, actor: Actor, id: number, disabled: boolean): Promise<AppUser> {
  if (id === actor.userId && disabled) throw new ForbiddenError('you cannot disable your own account');
  const user = await audited(app, actor, disabled ? 'user.disable' : 'user.enable', `user:${id}`, async (tx) => {
    const user = await userById(tx, id);
    user.disabled = disabled;
    await tx.flush();
    return user;
  });
  if (disabled) await app.sessions.endAllOf(user.id, now(app));
  return user;
}

/** Sets a new password chosen by the security administrator; the person must change it at the next sign-in. */
export async function resetAccountPassword(app: AccountDeps, actor: Actor, id: number, password: string, resetTotp: boolean): Promise<AppUser> {
  const em = app.orm.em.fork() as Em;
  const target = await userById(em, id);
  await assertPasswordAllowed(password, target.username);
  const passwordHash = await hashPassword(password, app.config.passwordHashCost);
  const user = await audited(
    app,
    actor,
    'user.reset-password',
    `user:${id}`,
    async (tx) => {
      const user = await userById(tx, id);
      Object.assign(user, {
        passwordHistory: JSON.stringify(nextHistory(user.passwordHash, parseHistory(user.passwordHistory))),
        passwordHash,
        passwordChangedAt: now(app),
        mustChangePassword: true,
        ...(resetTotp ? { totpSecret: null, totpEnabled: false, totpLastStep: null } : {}),
      });
      await tx.flush();
      return user;
    },
    resetTotp ? 'second factor reset too' : undefined,
  );
  await app.sessions.endAllOf(user.id, now(app));
  return user;
}

/** A person changes their own password: the current one, then a new one under the rules and not one of the last five. */
export async function changeOwnPassword(app: AccountDeps, actor: Actor, current: string, next: string): Promise<void> {
  if (!actor.userId) throw new UnauthenticatedError('only a signed-in person has a password');
  const em = app.orm.em.fork() as Em;
  const user = await userById(em, actor.userId);
  if (!(await verifyPassword(current, user.passwordHash))) throw new UnauthenticatedError('the current password is wrong');
  const history = [user.passwordHash, ...parseHistory(user.passwordHistory)];
  await assertPasswordAllowed(next, user.username, history);
  const passwordHash = await hashPassword(next, app.config.passwordHashCost);
  await audited(app, actor, 'user.change-password', `user:${user.id}`, async (tx) => {
    const row = await userById(tx, user.id);
    Object.assign(row, {
      passwordHistory: JSON.stringify(nextHistory(row.passwordHash, parseHistory(row.passwordHistory))),
      passwordHash,
      passwordChangedAt: now(app),
      mustChangePassword: false,
    });
    await tx.flush();
  });
  // Other sessions of this person end; this one ends too when it was limited to the change.
  await app.sessions.endAllOf(user.id, now(app), actor.limited ? undefined : actor.sessionId);
}

/** Starts enrolment of the second factor: a new secret (shown once, as an otpauth URI for the app). */
export async function beginTotp(app: AccountDeps, actor: Actor): Promise<{ secret: string; uri: string }> {
  if (!actor.userId) throw new UnauthenticatedError('only a signed-in person can enrol a second factor');
  const secret = newTotpSecret();
  const user = await audited(app, actor, 'user.totp-begin', `user:${actor.userId}`, async (tx) => {
    const user = await userById(tx, actor.userId!);
    if (user.totpEnabled) throw new ConflictError('a second factor is already enrolled; a security administrator can reset it');
    user.totpSecret = app.cipher.encrypt(secret);
    await tx.flush();
    return user;
  });
  return { secret, uri: totpUri(secret, user.username) };
}

/** Confirms enrolment with a first code from the app; from now on every sign-in needs a code. */
export async function confirmTotp(app: AccountDeps, actor: Actor, code: string): Promise<void> {
  if (!actor.userId) throw new UnauthenticatedError('only a signed-in person can enrol a second factor');
  await audited(app, actor, 'user.totp-enable', `user:${actor.userId}`, async (tx) => {
    const user = await userById(tx, actor.userId!);
    if (user.totpEnabled) throw new ConflictError('a second factor is already enrolled');
    if (!user.totpSecret) throw new ConflictError('start the enrolment first (setupTotp)');
    const step = await checkTotp(app.cipher.decrypt(user.totpSecret), code.trim(), now(app), null);
    if (step === null)
      throw new InvalidInputError('the code does not match; check the time on the phone and enter the current 6-digit code', { field: 'code' });
    Object.assign(user, { totpEnabled: true, totpLastStep: step });
    await tx.flush();
  });
  // A session limited to enrolment is done: sign in again with the code.
  if (actor.limited === 'totp' && actor.sessionId) await app.sessions.end(actor.sessionId, now(app));
}

export async function listAccounts(app: AccountDeps): Promise<AppUser[]> {
  return (app.orm.em.fork() as Em).find(AppUserSchema, {}, { orderBy: { id: 'asc' } });
}

export async function listApiKeys(app: AccountDeps, departmentId: number | null): Promise<ApiKey[]> {
  return (app.orm.em.fork() as Em).find(ApiKeySchema, departmentId ? { departmentId } : {}, { orderBy: { id: 'asc' } });
}

async function keyById(em: Em, id: number): Promise<ApiKey> {
  const key = await em.findOne(ApiKeySchema, { id });
  if (!key) throw NotFoundError.of('API key', String(id));
  return key;
}

/** Revokes a key at once on this server and, through the change bus (Redis when bridged), on the others (else within the key cache's 30 s). */
export async function revokeKey(app: AccountDeps, actor: Actor, id: number): Promise<ApiKey> {
  const key = await audited(app, actor, 'api-key.revoke', `apikey:${id}`, async (tx) => {
    const key = await keyById(tx, id);
    if (!key.revoked) Object.assign(key, { revoked: true, revokedAt: now(app) });
    await tx.flush();
    return key;
  });
  app.apiKeys.forget(key.keyHash);
  return key;
}

/**
 * Issues a new key of the same scope and lets the old one run out after `graceMinutes` (0 = at once),
 * so the system using it can switch over without downtime. Returns the new secret, shown once.
 */
export async function rotateKey(app: AccountDeps, actor: Actor, id: number, graceMinutes: number): Promise<{ key: ApiKey; secret: string }> {
  if (!Number.isInteger(graceMinutes) || graceMinutes < 0 || graceMinutes > 30 * 24 * 60) {
    throw InvalidInputError.field('graceMinutes', 'an integer 0–43200', graceMinutes);
  }
  const secret = `hcp_${randomSecret(24)}`;
  const result = await audited(
    app,
    actor,
    'api-key.rotate',
    `apikey:${id}`,
    async (tx) => {
      const old = await keyById(tx, id);
      if (old.revoked) throw new ConflictError('a revoked key cannot be rotated; create a new one');
      const at = now(app);
      const key = tx.create(ApiKeySchema, {
        keyHash: app.cipher.digest(secret),
        role: old.role,
        name: old.name,
        departmentId: old.departmentId,
        windowId: old.windowId,
        terminalId: old.terminalId,
        revoked: false,
        createdAt: at,
        revokedAt: null,
        expiresAt: null,
      });
      if (graceMinutes === 0) Object.assign(old, { revoked: true, revokedAt: at });
      else old.expiresAt = at + graceMinutes * 60_000;
      await tx.flush();
      return { key, old };
    },
    `grace ${graceMinutes} min`,
  );
  app.apiKeys.forget(result.old.keyHash);
  return { key: result.key, secret };
}
