import { EntitySchema } from '@mikro-orm/core';
import type { AuditFields } from './audit.logic.js';
import { bool, int, millis, optInt, optMillis, optStr, optText, pk, str } from '../common/columns.js';

/** A person who signs in: department officer, supervisor, hotline operator or admin. */
export interface AppUser {
  id: number;
  username: string;
  passwordHash: string;
  role: string;
  displayName: string;
  departmentId: number | null;
  regionCode: string | null;
  createdAt: number;
  /** A disabled account cannot sign in; its sessions ended when it was disabled. */
  disabled: boolean;
  /** JSON array of the last hashes (newest first), so the last five passwords are not used again. */
  passwordHistory: string | null;
  passwordChangedAt: number | null;
  /** Set by a reset: the next sign-in may only change the password. */
  mustChangePassword: boolean;
  /** TOTP secret, sealed like personal data; enabled once a first code was confirmed. */
  totpSecret: string | null;
  totpEnabled: boolean;
  /** The last time step whose code was accepted (a code is good once). */
  totpLastStep: number | null;
}
export const AppUserSchema = new EntitySchema<AppUser>({
  name: 'AppUser',
  tableName: 'app_user',
  properties: {
    id: pk,
    username: { ...str(60), unique: true },
    passwordHash: str(200),
    role: str(16),
    displayName: str(60),
    departmentId: optInt,
    regionCode: optStr(12),
    createdAt: millis,
    disabled: { ...bool, default: false },
    passwordHistory: optText,
    passwordChangedAt: optMillis,
    mustChangePassword: { ...bool, default: false },
    totpSecret: optText,
    totpEnabled: { ...bool, default: false },
    totpLastStep: optInt,
  },
});

/**
 * Failed sign-ins per username, known or not (so a lock tells an attacker nothing about which accounts
 * exist): after too many failures the name is locked for a while.
 */
export interface LoginGuard {
  username: string;
  failures: number;
  lockedUntil: number | null;
  updatedAt: number;
}
export const LoginGuardSchema = new EntitySchema<LoginGuard>({
  name: 'LoginGuard',
  tableName: 'login_guard',
  properties: {
    username: { ...str(60), primary: true },
    failures: int,
    lockedUntil: optMillis,
    updatedAt: millis,
  },
});

/** A signed-in person's session, held on the server so it can be ended (logout) and can run idle. */
export interface AppSession {
  id: string;
  userId: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  endedAt: number | null;
}
export const AppSessionSchema = new EntitySchema<AppSession>({
  name: 'AppSession',
  tableName: 'app_session',
  properties: {
    id: { ...str(40), primary: true },
    userId: { ...int, index: true },
    createdAt: millis,
    lastSeenAt: millis,
    expiresAt: millis,
    endedAt: optMillis,
  },
});

/** A machine credential: a department business system (`system`) or a window/terminal device (`device`). */
export interface ApiKey {
  id: number;
  keyHash: string;
  role: string;
  name: string;
  departmentId: number | null;
  windowId: number | null;
  terminalId: number | null;
  revoked: boolean;
  createdAt: number;
  revokedAt: number | null;
  /** A rotated key keeps working until then, so the system using it can switch without downtime. */
  expiresAt: number | null;
}
export const ApiKeySchema = new EntitySchema<ApiKey>({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: {
    id: pk,
    keyHash: { ...str(64), unique: true },
    role: str(16),
    name: str(100),
    departmentId: optInt,
    windowId: optInt,
    terminalId: optInt,
    revoked: bool,
    createdAt: millis,
    revokedAt: optMillis,
    expiresAt: optMillis,
  },
});

/**
 * Who looked at or changed what (安全审计, R12): every sign-in, every view of personal data, every
 * change of a case, setting, key or token. Append-only (the database refuses updates and deletes) and
 * hash-chained: each row's hash covers its fields and the previous row's hash, so an edit made behind
 * the application's back is found by `npm run audit:verify`.
 */
export interface AuditEntry extends AuditFields {
  id: number;
  prevHash: string;
  hash: string;
}
export const AuditEntrySchema = new EntitySchema<AuditEntry>({
  name: 'AuditEntry',
  tableName: 'audit_log',
  indexes: [{ properties: ['subject'] }, { properties: ['at'] }],
  properties: {
    id: pk,
    at: millis,
    actor: str(100),
    role: str(16),
    ip: optStr(64),
    action: str(60),
    subject: str(100),
    outcome: str(16),
    detail: optStr(500),
    requestId: optStr(40),
    prevHash: str(64),
    hash: str(64),
  },
});

/** The newest row of the audit chain (one row), locked while a row is appended. */
export interface AuditHead {
  id: number;
  lastId: number;
  lastHash: string;
}
export const AuditHeadSchema = new EntitySchema<AuditHead>({
  name: 'AuditHead',
  tableName: 'audit_head',
  properties: {
    // Always the one row with id 1: no sequence.
    id: { type: 'integer', primary: true, autoincrement: false },
    lastId: int,
    lastHash: str(64),
  },
});

export const authEntities = [AppUserSchema, ApiKeySchema, AuditEntrySchema, AuditHeadSchema, LoginGuardSchema, AppSessionSchema];
