/** Every caller has exactly one role; resolvers list the roles they admit (`public` admits anyone). */
export const ROLES = ['public', 'rater', 'device', 'department', 'supervisor', 'system', 'admin', 'security', 'screen', 'hotline', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as established from the request's credentials. */
export interface Actor {
  role: Role;
  /** Stable, non-personal label for logs and audit ("user:12", "apikey:3", "rating-token:abc"). */
  label: string;
  userId?: number;
  /** A signed-in person's server-side session (ended by logout or when idle). */
  sessionId?: string;
  /**
   * A session that may only finish signing in: change a reset password (`password`) or enrol the
   * second factor its role requires (`totp`). Every other operation is refused until then.
   */
  limited?: 'password' | 'totp';
  /** The request this actor made: client address and request id, written on every audit record. */
  ip?: string;
  requestId?: string;
  apiKeyId?: number;
  /** department and system: their own department; officers also see its sub-units. */
  departmentId?: number;
  departmentPath?: string;
  /** supervisor and hotline (12345 operators): the region they serve; screen tokens: their region scope. */
  regionCode?: string;
  /** rater: the one service the rating token is bound to, and the token's id (single use). */
  serviceId?: number;
  tokenId?: string;
  windowId?: number;
  terminalId?: number;
}

export const PUBLIC_ACTOR: Actor = { role: 'public', label: 'public' };
