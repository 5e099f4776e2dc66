/** One error hierarchy for the whole server; `code` is what clients read from `extensions.code`. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** Extra machine-readable facts sent with the error (never personal data). */
  readonly details?: Record<string, unknown>;
  constructor(message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class InvalidInputError extends DomainError {
  readonly code = 'BAD_USER_INPUT';
  static field(field: string, expected: string, received: unknown): InvalidInputError {
    return new InvalidInputError(`${field} must be ${expected}, got ${show(received)}`, { field });
  }
  static levelOutOfRange(level: unknown): InvalidInputError {
    return InvalidInputError.field('level', 'an integer 1–5 (5 = 非常满意)', level);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  static of(what: string, key: string): NotFoundError {
    return new NotFoundError(`${what} ${key} was not found`, { what, key });
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  static role(needed: readonly string[], has: string): ForbiddenError {
    return new ForbiddenError(`this operation needs one of the roles ${needed.join(', ')}; the caller is ${has}`, { reason: 'ROLE' });
  }
  static scope(what: string): ForbiddenError {
    return new ForbiddenError(`${what} is outside the caller's scope`);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}

export class TokenExpiredError extends DomainError {
  readonly code = 'TOKEN_EXPIRED';
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
}

export class AlreadyRatedError extends DomainError {
  readonly code = 'ALREADY_RATED';
  static service(projectNo: string, serviceNumber: number): AlreadyRatedError {
    return new AlreadyRatedError(`service ${projectNo}#${serviceNumber} has already been rated; one rating per service (R9)`, { projectNo, serviceNumber });
  }
}

export class RatingWindowClosedError extends DomainError {
  readonly code = 'RATING_WINDOW_CLOSED';
}

export class TagRequiredError extends DomainError {
  readonly code = 'TAG_OR_COMMENT_REQUIRED';
  static forBadReview(level: number): TagRequiredError {
    return new TagRequiredError(`a rating of level ${level} is a bad review and must carry at least one tag or a comment (R9)`);
  }
}

export class IllegalTransitionError extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION';
  static from(action: string, state: string, allowed: readonly string[], why?: string): IllegalTransitionError {
    return new IllegalTransitionError(
      `${action} is not allowed for a case in state ${state}${why ? ` (${why})` : ''}; allowed now: ${allowed.length ? allowed.join(', ') : 'nothing'}`,
      { action, state, allowed: [...allowed] },
    );
  }
}

/** A username locked after too many wrong passwords; `retryAfter` (seconds) says when to try again. */
export class AccountLockedError extends DomainError {
  readonly code = 'ACCOUNT_LOCKED';
}

/** A new password breaks the password rules; `reason` says which (length, kinds, weak, username, reused). */
export class WeakPasswordError extends DomainError {
  readonly code = 'WEAK_PASSWORD';
}

/** The account has a second factor: sign in again with the current code of the authenticator app. */
export class SecondFactorRequiredError extends DomainError {
  readonly code = 'TOTP_REQUIRED';
}

/** A session that may only finish signing in: change the reset password, or enrol the second factor. */
export class SignInIncompleteError extends DomainError {
  constructor(
    readonly code: 'PASSWORD_CHANGE_REQUIRED' | 'TOTP_ENROLLMENT_REQUIRED',
    message: string,
  ) {
    super(message);
  }
  static of(limited: 'password' | 'totp'): SignInIncompleteError {
    return limited === 'password'
      ? new SignInIncompleteError('PASSWORD_CHANGE_REQUIRED', 'this password was set by an administrator: change it first (changePassword), then sign in again')
      : new SignInIncompleteError('TOTP_ENROLLMENT_REQUIRED', 'this account needs a second factor: enrol it first (setupTotp, enableTotp), then sign in again');
  }
}

/** A stored value failed its integrity check (a changed ciphertext byte, a broken audit link): shown to nobody, recorded. */
export class DataIntegrityError extends DomainError {
  readonly code = 'DATA_INTEGRITY';
}

/** The server was started with another CRYPTO_PROFILE than the one its database was created with; it refuses to start. */
export class CryptoProfileMismatchError extends DomainError {
  readonly code = 'CRYPTO_PROFILE_MISMATCH';
}

/** Too many requests of a kind from one caller, or the server at a bound it keeps; try again later. */
export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  static perMinute(what: string, limit: number): RateLimitedError {
    return new RateLimitedError(`at most ${limit} ${what} per minute on this server; try again in a minute`, { limit });
  }
}

/** A batch of records larger than one call takes (registerServices, submitEvaluations, /api/v1); nothing of it was stored. */
export class BatchTooLargeError extends DomainError {
  readonly code = 'BATCH_TOO_LARGE';
}

/** An uploaded or imported file that cannot be read as a whole (broken CSV/XLSX/JSON, unknown layout, wrong encoding); nothing of it was stored. */
export class MalformedFileError extends DomainError {
  readonly code = 'MALFORMED_FILE';
}

/** The server cannot take the request now (shutting down, a dependency down); sending it again later is safe. */
export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
