import { Arg, Authorized, Ctx, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { InvalidInputError } from '../common/errors.js';
import { shanghaiIso } from '../common/calendar.js';
import type { ApiKey, AppUser } from './auth.entities.js';
import {
  beginTotp,
  changeOwnPassword,
  confirmTotp,
  createAccount,
  listAccounts,
  listApiKeys,
  resetAccountPassword,
  revokeKey,
  rotateKey,
  setAccountDisabled,
  updateAccount,
  type AccountDeps,
} from './accounts.service.js';

/** Everyone who signs in as a person (not machine keys or tokens). */
export const PEOPLE = ['department', 'supervisor', 'hotline', 'admin', 'security', 'auditor'] as const;

@ObjectType({ description: 'An account of a person (no password data)' })
export class UserView {
  @Field(() => Int) id!: number;
  @Field(() => String) username!: string;
  @Field(() => String) displayName!: string;
  @Field(() => String, { description: 'department, supervisor, hotline, admin (系统管理员), security (安全管理员) or auditor (审计管理员)' })
  role!: string;
  @Field(() => Int, { nullable: true }) departmentId!: number | null;
  @Field(() => String, { nullable: true }) regionCode!: string | null;
  @Field(() => Boolean) disabled!: boolean;
  @Field(() => Boolean, { description: 'the next sign-in must change the password' }) mustChangePassword!: boolean;
  @Field(() => Boolean, { description: 'a TOTP second factor is enrolled' }) totpEnabled!: boolean;
  @Field(() => String, { description: 'ISO 8601, +08:00' }) createdAt!: string;
  @Field(() => String, { nullable: true }) passwordChangedAt!: string | null;
}

@ObjectType({ description: 'A machine credential (the secret is never shown again)' })
export class ApiKeyView {
  @Field(() => Int) id!: number;
  @Field(() => String, { description: 'system (department business system) or device (window evaluator, terminal)' }) role!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { nullable: true }) departmentId!: number | null;
  @Field(() => Int, { nullable: true }) windowId!: number | null;
  @Field(() => Int, { nullable: true }) terminalId!: number | null;
  @Field(() => Boolean) revoked!: boolean;
  @Field(() => String) createdAt!: string;
  @Field(() => String, { nullable: true }) revokedAt!: string | null;
  @Field(() => String, { nullable: true, description: 'a rotated key stops working at this time' }) expiresAt!: string | null;
}

@ObjectType()
export class RotatedKeyView {
  @Field(() => ApiKeyView) key!: ApiKeyView;
  @Field(() => String, { description: 'the new secret, shown only this once' }) secret!: string;
}

@ObjectType({ description: 'A second factor being enrolled: put the URI (or the secret) into an authenticator app' })
export class TotpSetupView {
  @Field(() => String) secret!: string;
  @Field(() => String, { description: 'otpauth:// URI, for a QR code' }) uri!: string;
}

@InputType()
export class CreateUserInput {
  @Field(() => String, { description: '3–60 letters, digits, dots, dashes, underscores' }) username!: string;
  @Field(() => String) displayName!: string;
  @Field(() => String) role!: string;
  @Field(() => Int, { nullable: true, description: 'required for department officers' }) departmentId?: number | null;
  @Field(() => String, { nullable: true, description: 'required for supervisors and hotline operators' }) regionCode?: string | null;
  @Field(() => String, { description: 'initial password (password rules apply); to be changed at the first sign-in' }) password!: string;
}

@InputType()
export class UpdateUserInput {
  @Field(() => String, { nullable: true }) displayName?: string | null;
  @Field(() => String, { nullable: true }) role?: string | null;
  @Field(() => Int, { nullable: true }) departmentId?: number | null;
  @Field(() => String, { nullable: true }) regionCode?: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : shanghaiIso(ms));

export function userView(u: AppUser): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    departmentId: u.departmentId,
    regionCode: u.regionCode,
    disabled: u.disabled,
    mustChangePassword: u.mustChangePassword,
    totpEnabled: u.totpEnabled,
    createdAt: shanghaiIso(u.createdAt),
    passwordChangedAt: iso(u.passwordChangedAt),
  };
}

export function apiKeyView(k: ApiKey): ApiKeyView {
  return {
    id: k.id,
    role: k.role,
    name: k.name,
    departmentId: k.departmentId,
    windowId: k.windowId,
    terminalId: k.terminalId,
    revoked: k.revoked,
    createdAt: shanghaiIso(k.createdAt),
    revokedAt: iso(k.revokedAt),
    expiresAt: iso(k.expiresAt),
  };
}

/**
 * Accounts and keys (身份鉴别, 访问控制): the security administrator (安全管理员) manages people and
 * machine keys; nobody manages their own role; every change is audited in its transaction.
 */
@Resolver()
export class AccountsResolver {
  @Authorized('security')
  @Query(() => [UserView], { description: 'Every account, for the security administrator' })
  async users(@Ctx() { app }: Context<AccountDeps>): Promise<UserView[]> {
    return (await listAccounts(app)).map(userView);
  }

  @Authorized('security')
  @Mutation(() => UserView, { description: 'Creates an account; the person changes the password at the first sign-in' })
  async createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() { app, actor }: Context<AccountDeps>): Promise<UserView> {
    return userView(await createAccount(app, actor, input));
  }

  @Authorized('security')
  @Mutation(() => UserView, { description: "Changes a person's name, role or scope; their sessions end" })
  async updateUser(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => UpdateUserInput) input: UpdateUserInput,
    @Ctx() { app, actor }: Context<AccountDeps>,
  ): Promise<UserView> {
    return userView(await updateAccount(app, actor, id, input));
  }

  @Authorized('security')
  @Mutation(() => UserView, { description: 'Disables (sessions end at once) or enables an account' })
  async setUserDisabled(
    @Arg('id', () => Int) id: number,
    @Arg('disabled', () => Boolean) disabled: boolean,
    @Ctx() { app, actor }: Context<AccountDeps>,
  ): Promise<UserView> {
    return userView(await setAccountDisabled(app, actor, id, disabled));
  }

  @Authorized('security')
  @Mutation(() => UserView, { description: 'Sets a new password, to be changed at the next sign-in; optionally resets the second factor' })
  async resetUserPassword(
    @Arg('id', () => Int) id: number,
    @Arg('password', () => String) password: string,
    @Arg('resetTotp', () => Boolean, { defaultValue: false }) resetTotp: boolean,
    @Ctx() { app, actor }: Context<AccountDeps>,
  ): Promise<UserView> {
    return userView(await resetAccountPassword(app, actor, id, password, resetTotp));
  }

  @Authorized(...PEOPLE)
  @Mutation(() => Boolean, { description: "Changes the caller's password (rules apply; not one of the last five); other sessions end" })
  async changePassword(
    @Arg('currentPassword', () => String) currentPassword: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Ctx() { app, actor }: Context<AccountDeps>,
  ): Promise<boolean> {
    await changeOwnPassword(app, actor, currentPassword, newPassword);
    return true;
  }

  @Authorized(...PEOPLE)
  @Mutation(() => TotpSetupView, { description: 'Starts enrolling a TOTP second factor (RFC 6238); confirm with enableTotp' })
  async setupTotp(@Ctx() { app, actor }: Context<AccountDeps>): Promise<TotpSetupView> {
    return beginTotp(app, actor);
  }

  @Authorized(...PEOPLE)
  @Mutation(() => Boolean, { description: 'Confirms the second factor with a current code; every later sign-in needs a code' })
  async enableTotp(@Arg('code', () => String) code: string, @Ctx() { app, actor }: Context<AccountDeps>): Promise<boolean> {
    await confirmTotp(app, actor, code);
    return true;
  }

  @Authorized('security')
  @Query(() => [ApiKeyView], { description: 'Machine keys (system and device), optionally of one department' })
  async apiKeys(@Arg('departmentId', () => Int, { nullable: true }) departmentId: number | null, @Ctx() { app }: Context<AccountDeps>): Promise<ApiKeyView[]> {
    return (await listApiKeys(app, departmentId)).map(apiKeyView);
  }

  @Authorized('security')
  @Mutation(() => ApiKeyView, { description: 'Revokes a machine key' })
  async revokeApiKey(@Arg('id', () => Int) id: number, @Ctx() { app, actor }: Context<AccountDeps>): Promise<ApiKeyView> {
    return apiKeyView(await revokeKey(app, actor, id));
  }

  @Authorized('security')
  @Mutation(() => RotatedKeyView, { description: 'Issues a new key of the same scope; the old one stops after graceMinutes (0 = now)' })
  async rotateApiKey(
    @Arg('id', () => Int) id: number,
    @Arg('graceMinutes', () => Int, { defaultValue: 0 }) graceMinutes: number,
    @Ctx() { app, actor }: Context<AccountDeps>,
  ): Promise<RotatedKeyView> {
    if (graceMinutes < 0) throw InvalidInputError.field('graceMinutes', 'zero or more', graceMinutes);
    const { key, secret } = await rotateKey(app, actor, id, graceMinutes);
    return { key: apiKeyView(key), secret };
  }
}
