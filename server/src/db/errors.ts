import {
  ConnectionException,
  DeadlockException,
  DriverException,
  LockWaitTimeoutException,
  OptimisticLockError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { ConflictError, UnavailableError, type DomainError } from '../common/errors.js';

/**
 * What the database said, mapped to coded errors once. Features name only what a duplicate means for
 * them (a second rating of a service is ALREADY_RATED, a racing registration a CONFLICT); every other
 * driver error gets the same code wherever it happens, and its message (which may quote values) never
 * reaches the client.
 */

/** A group or transaction that met a deadlock or lock timeout: running it again can succeed. */
export function isTransientDbError(error: unknown): boolean {
  return error instanceof DeadlockException || error instanceof LockWaitTimeoutException;
}

/** A row with the same unique key exists (stored by a racing request), or a version check failed. */
export function isDuplicateOrStale(error: unknown): boolean {
  return error instanceof UniqueConstraintViolationException || error instanceof OptimisticLockError;
}

/**
 * Inside a group commit's job: names what a duplicate means for the feature and leaves every other
 * error as it is, so the group commit still sees a deadlock and runs the whole group again.
 */
export function duplicateAs(error: unknown, onDuplicate: () => DomainError): unknown {
  return isDuplicateOrStale(error) ? onDuplicate() : error;
}

/**
 * Turns a database exception into the coded error the caller should see: `onDuplicate` for a unique
 * key or version clash, CONFLICT for a busy database, UNAVAILABLE when it cannot be reached. Anything
 * else is returned unchanged (a bug: masked and logged by the error formatter).
 */
export function mapDatabaseError(error: unknown, onDuplicate?: () => DomainError): unknown {
  if (isDuplicateOrStale(error))
    return onDuplicate?.() ?? new ConflictError('the same record was being stored by another request at the same moment; nothing was stored, send this again');
  if (isTransientDbError(error)) return new ConflictError('the database was busy with other writes; nothing was stored, send this again');
  if (error instanceof ConnectionException) return new UnavailableError('the database cannot be reached right now; nothing was stored, try again shortly');
  return error;
}

/**
 * True for any driver error, wrapped by the ORM or raw (`SqliteError`, pg's `DatabaseError`): their
 * messages may quote SQL values, so the log gets the class, never the text.
 */
export function isDriverError(error: unknown): boolean {
  if (error instanceof DriverException) return true;
  return error instanceof Error && (error.name.endsWith('Exception') || error.name === 'SqliteError' || error.name === 'DatabaseError');
}
