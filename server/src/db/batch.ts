import { BatchTooLargeError, DomainError } from '../common/errors.js';
import { randomSecret } from '../common/crypto.js';
import { log } from '../common/logger.js';
import { isDriverError, mapDatabaseError } from './errors.js';

/** Records one batch call takes at most (department systems, R8); a larger batch is refused whole. */
export const BATCH_MAX = 1000;

/** What happened to one record of a batch. */
export type BatchStatus = 'CREATED' | 'UNCHANGED' | 'UPDATED' | 'REFUSED';

/** One record's answer: its position in the batch, what happened, and for a refusal the coded error. */
export interface BatchOutcome<R> {
  index: number;
  status: BatchStatus;
  code: string | null;
  message: string | null;
  value: R | null;
}

/** Refuses a batch larger than BATCH_MAX before anything of it is read or stored. */
export function checkBatchSize(size: number, what: string): void {
  if (size > BATCH_MAX) {
    throw new BatchTooLargeError(`at most ${BATCH_MAX} ${what} per call; this one has ${size}: send them in several calls (nothing was stored)`, {
      limit: BATCH_MAX,
      received: size,
    });
  }
}

/**
 * Runs every record of a batch and answers each on its own: a refused record never refuses the others.
 * Records with different keys are handed to the group commit at once, so a batch of 1,000 becomes a
 * few group transactions (each record in its own savepoint), not 1,000; records sharing a key (the
 * same case or service) run one after another, in batch order, so they never race each other.
 */
export async function runBatch<I, R>(
  inputs: readonly I[],
  keyOf: (input: I) => string,
  handle: (input: I, index: number) => Promise<{ status: Exclude<BatchStatus, 'REFUSED'>; value: R }>,
): Promise<BatchOutcome<R>[]> {
  const outcomes: BatchOutcome<R>[] = new Array(inputs.length);
  const chains = new Map<string, number[]>();
  inputs.forEach((input, index) => {
    let key: string;
    try {
      key = keyOf(input);
    } catch {
      key = `#${index}`;
    }
    const chain = chains.get(key);
    if (chain) chain.push(index);
    else chains.set(key, [index]);
  });
  await Promise.all(
    [...chains.values()].map(async (indexes) => {
      for (const index of indexes) {
        try {
          const done = await handle(inputs[index]!, index);
          outcomes[index] = { index, status: done.status, code: null, message: null, value: done.value };
        } catch (err) {
          outcomes[index] = { index, status: 'REFUSED', ...refusal(err), value: null };
        }
      }
    }),
  );
  return outcomes;
}

/** The coded error of one refused record; anything not coded is masked and logged, like GraphQL errors. */
function refusal(err: unknown): { code: string; message: string } {
  const mapped = mapDatabaseError(err);
  if (mapped instanceof DomainError) return { code: mapped.code, message: mapped.message };
  const errorId = randomSecret(6);
  const error = mapped instanceof Error ? (isDriverError(mapped) ? `${mapped.name} (values withheld)` : `${mapped.name}: ${mapped.message}`) : String(mapped);
  log.error('unexpected error in a batch record', { errorId, error });
  return { code: 'INTERNAL_SERVER_ERROR', message: `internal error (id ${errorId}); the server logged the details` };
}
