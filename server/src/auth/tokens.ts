import { SignJWT, decodeJwt, jwtVerify, errors as joseErrors } from 'jose';
import { TokenExpiredError, UnauthenticatedError } from '../common/errors.js';
import { randomSecret } from '../common/crypto.js';
import type { Clock } from '../common/clock.js';

/**
 * `rerate`: the rater's link to rate the fix of a bad review (rectification); `followup`: the rater's
 * link to add the one follow-up rating (追评, R9) after a first rating. Neither is a bearer credential.
 */
export type TokenKind = 'session' | 'rating' | 'screen' | 'embed' | 'rerate' | 'followup';

export interface TokenClaims {
  typ: TokenKind;
  sub: string;
  jti: string;
  [claim: string]: unknown;
}

/** Signs and verifies every bearer token (HS256 with the server's AUTH_SECRET). */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    private readonly secret: string,
    private readonly clock: Clock,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** The same secret on another clock: tokens signed "as of" another time (the demo's rectification history). */
  withClock(clock: Clock): TokenService {
    return new TokenService(this.secret, clock);
  }

  async sign(
    typ: TokenKind,
    sub: string,
    ttlSeconds: number | null,
    extra: Record<string, unknown> = {},
  ): Promise<{ token: string; jti: string; expiresAt: Date | null }> {
    const jti = randomSecret(12);
    const nowSec = Math.floor(this.clock.now().getTime() / 1000);
    let jwt = new SignJWT({ ...extra, typ }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setJti(jti).setIssuedAt(nowSec).setIssuer('haochaping');
    const expiresAt = ttlSeconds === null ? null : new Date((nowSec + ttlSeconds) * 1000);
    if (expiresAt) jwt = jwt.setExpirationTime(Math.floor(expiresAt.getTime() / 1000));
    return { token: await jwt.sign(this.key), jti, expiresAt };
  }

  /** Verifies signature, issuer, expiry and kind; errors say which of these failed. */
  async verify(token: string, expected: TokenKind | readonly TokenKind[]): Promise<TokenClaims> {
    return this.check(token, expected, this.clock.now());
  }

  /**
   * Like `verify`, but an expired token whose signature, issuer and kind are right is returned with
   * `expired: true`. Only for looking up what the token's holder already sent (a resend of a stored
   * rating, R9); nothing new may be accepted on an expired token.
   */
  async verifyAllowingExpired(token: string, expected: TokenKind | readonly TokenKind[]): Promise<TokenClaims & { expired: boolean }> {
    try {
      return { ...(await this.verify(token, expected)), expired: false };
    } catch (err) {
      if (!(err instanceof TokenExpiredError)) throw err;
      // Checked as of the moment it was issued: the signature still has to be ours.
      const issuedAt = decodeJwt(token).iat;
      if (typeof issuedAt !== 'number') throw err;
      return { ...(await this.check(token, expected, new Date(issuedAt * 1000))), expired: true };
    }
  }

  private async check(token: string, expected: TokenKind | readonly TokenKind[], at: Date): Promise<TokenClaims> {
    const kinds = typeof expected === 'string' ? [expected] : expected;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        issuer: 'haochaping',
        algorithms: ['HS256'],
        currentDate: at,
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) {
        throw new TokenExpiredError('the token has expired; ask for a new one (a new receipt QR code or sign in again)');
      }
      throw new UnauthenticatedError('the token is not valid: its signature or format was not recognised');
    }
    if (!kinds.includes(payload.typ as TokenKind)) {
      throw new UnauthenticatedError(`expected a ${kinds.join(' or ')} token, got a ${String(payload.typ)} token`);
    }
    return payload as TokenClaims;
  }
}
