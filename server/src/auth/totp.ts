import { generate, generateSecret, generateURI, verify } from 'otplib';
import type { Role } from '../common/actor.js';

/** Roles whose accounts need the second factor when REQUIRE_TOTP is on. */
export const TOTP_ROLES: readonly Role[] = ['department', 'supervisor', 'admin', 'security'];

/**
 * Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30-second steps), the second factor of
 * officers, supervisors and administrators. One step of clock drift either way is accepted, and a code
 * is accepted once: a step at or before the last one used is refused, so a code seen over a shoulder
 * cannot be replayed.
 */
export const TOTP_STEP_S = 30;
const TOLERANCE_S = TOTP_STEP_S;

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, account: string, issuer = '好差评'): string {
  return generateURI({ issuer, label: account, secret });
}

/** The code an authenticator app shows at `nowMs` (tests and the demo use it). */
export function totpCode(secret: string, nowMs: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(nowMs / 1000) });
}

/** The time step the code matched, or null; steps at or before `lastStep` are refused (replay). */
export async function checkTotp(secret: string, code: string, nowMs: number, lastStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({ secret, token: code, epoch: Math.floor(nowMs / 1000), epochTolerance: TOLERANCE_S });
  if (!result.valid) return null;
  const step = Math.floor(nowMs / 1000 / TOTP_STEP_S) + result.delta;
  return lastStep !== null && step <= lastStep ? null : step;
}
