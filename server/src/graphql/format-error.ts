import type { GraphQLFormattedError } from 'graphql';
import { DomainError } from '../common/errors.js';
import { log } from '../common/logger.js';
import { randomSecret } from '../common/crypto.js';
import { isDriverError, mapDatabaseError } from '../db/errors.js';

/** The one place errors become codes: domain errors keep their message; anything unknown is masked and logged. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  // Duck-typed: graphql ships CJS and ESM builds whose GraphQLError classes differ.
  let original = error;
  while (typeof original === 'object' && original !== null && 'originalError' in original && original.originalError) {
    original = original.originalError;
  }
  original = mapDatabaseError(original);
  if (original instanceof DomainError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: original.code, ...(original.details ?? {}) },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return { ...formatted, extensions: { code } };
  const errorId = randomSecret(6);
  log.error('unexpected error', { errorId, error: describe(original) });
  return {
    message: `internal error (id ${errorId}); the server logged the details`,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
  };
}

/** Driver errors quote the SQL and its values, which may include a rater's comment: log only where it failed. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, 8);
  const driverError = isDriverError(error);
  return [driverError ? `${error.name} (values withheld)` : `${error.name}: ${error.message}`, ...frames].join('\n');
}
