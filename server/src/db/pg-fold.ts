import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Fewer round trips for a group commit's transaction on PostgreSQL, without leaving MikroORM/knex's
 * transaction object (the ORM, the hooks and the `Sql` runner all keep using the same connection):
 *
 * - knex's `BEGIN;` is not sent alone: it is kept and goes in front of the transaction's first
 *   statement, as one simple query (`BEGIN; <statement>`), the statement's parameters written into its
 *   text as escaped literals (`inlined`);
 * - the transaction's last write (`holdForCommit`, the group's kept writes) is kept and goes in front
 *   of knex's `COMMIT;`, again as one simple query. When it fails, COMMIT does not run (PostgreSQL skips
 *   the rest of a simple query after an error): ROLLBACK is sent here before the failure is answered,
 *   so the connection goes back to the pool outside any transaction. An acknowledged rating is still
 *   one whose COMMIT succeeded.
 *
 * Nothing is prepared under a name and nothing outlives the transaction: this works behind PgBouncer in
 * transaction pooling. Only a transaction begun inside `foldTransaction` is folded (a group commit's);
 * every other use of a connection goes straight through. A statement that cannot be inlined safely (its
 * text quotes strings or has comments, a value is binary, a named statement, a stream) is sent as it is,
 * after what was kept (pg's client queues them in order).
 */

/** The part of pg's Client this wraps. */
interface PgConnection {
  query: (...args: unknown[]) => unknown;
}
interface PgResult {
  command?: string;
  rows: unknown[];
  rowCount: number | null;
  fields?: unknown[];
}
type Callback = (err: Error | null, result?: unknown) => void;

/** One group commit's claim on the next BEGIN in its async context. */
interface Claim {
  taken: boolean;
}

/** A folded transaction on one connection: what is kept, not yet sent. */
interface Folded {
  begin: string | null;
  last: string | null;
}

const claims = new AsyncLocalStorage<Claim>();
const folded = new WeakMap<object, Folded>();
const wrapped = new WeakSet<object>();

/** Runs `work` (which begins one transaction) so that its transaction is folded, when its connection is wrapped. */
export function foldTransaction<T>(work: () => Promise<T>): Promise<T> {
  return claims.run({ taken: false }, work);
}

/**
 * Keeps `text` (`?` placeholders, the `Sql` runner's) with `values` to be sent with the COMMIT of the folded transaction open on
 * `connection`: true when kept (its error then surfaces at the commit), false when the caller must send
 * it itself (no folded transaction there, or it cannot be inlined).
 */
export function holdForCommit(connection: object, text: string, values: readonly unknown[]): boolean {
  const state = folded.get(connection);
  if (!state || state.last !== null) return false;
  const statement = inlined(text, values, true);
  if (statement === null) return false;
  state.last = statement;
  return true;
}

/** Installs the folding on a pg connection (the pool's afterCreate); idempotent. */
export function foldingConnection(connection: object): void {
  if (wrapped.has(connection)) return;
  wrapped.add(connection);
  const conn = connection as PgConnection;
  // pg's own query, looked up on each call (whatever wraps the prototype, e.g. a test's counter, still sees every send).
  const proto = Object.getPrototypeOf(conn) as PgConnection;
  const original = (...args: unknown[]) => proto.query.apply(conn, args);
  const send = (text: string) => original({ text }) as Promise<PgResult | PgResult[]>;
  conn.query = (...args: unknown[]) => {
    const state = folded.get(conn);
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | null)?.text;
    const verb = typeof text === 'string' ? transactionVerb(text) : null;
    if (!state) {
      if (verb === 'begin' && args.length <= 2 && noValues(args)) {
        const claim = claims.getStore();
        if (claim && !claim.taken) {
          claim.taken = true;
          folded.set(conn, { begin: text as string, last: null });
          return answer(callbackOf(args), Promise.resolve(emptyResult('BEGIN')));
        }
      }
      return original(...args);
    }
    if (verb === 'begin') {
      // A new transaction on this connection: whatever was left is gone with the old one.
      folded.delete(conn);
      return conn.query(...args);
    }
    const callback = callbackOf(args);
    if (verb === 'commit' || verb === 'rollback') {
      folded.delete(conn);
      if (verb === 'rollback') {
        // Nothing sent yet: nothing to roll back. The kept last write is dropped.
        if (state.begin !== null) return answer(callback, Promise.resolve(emptyResult('ROLLBACK')));
        return original(...args);
      }
      if (state.last === null) {
        if (state.begin !== null) return answer(callback, Promise.resolve(emptyResult('COMMIT')));
        return original(...args);
      }
      const head = state.begin !== null ? `${state.begin} ` : '';
      return answer(callback, commitWith(send, `${head}${state.last}; COMMIT`));
    }
    // Any other statement: what is kept goes first.
    const plain = plainStatement(args);
    if (state.last !== null) {
      const head = state.begin !== null ? `${state.begin} ` : '';
      const last = state.last;
      state.begin = null;
      state.last = null;
      if (!plain) {
        void send(`${head}${last}`).catch(() => undefined); // its error leaves the transaction aborted: the next statement fails
        return original(...args);
      }
      return answer(
        callback,
        send(`${head}${last}`).then(() => original({ text: plain.text, values: plain.values }) as Promise<PgResult>),
      );
    }
    if (state.begin !== null) {
      const begin = state.begin;
      state.begin = null;
      const statement = plain ? inlined(plain.text, plain.values) : null;
      if (statement === null) {
        void send(begin).catch(() => undefined); // a failed BEGIN fails the statement queued after it too
        return original(...args);
      }
      return answer(
        callback,
        send(`${begin} ${statement}`).then((results) => withoutFirst(results)),
      );
    }
    return original(...args);
  };
}

/** Sends the kept write with COMMIT; on failure rolls back first (the COMMIT did not run), then fails. */
async function commitWith(send: (text: string) => Promise<PgResult | PgResult[]>, text: string): Promise<PgResult> {
  try {
    const results = await send(text);
    return Array.isArray(results) ? results[results.length - 1]! : results;
  } catch (error) {
    await send('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function transactionVerb(text: string): 'begin' | 'commit' | 'rollback' | null {
  // Every statement passes here, the group's last write with thousands of values too: no copy of a long text.
  if (text.length > 16) return null;
  const t = text.trim().toUpperCase();
  if (t === 'BEGIN;' || t === 'BEGIN') return 'begin';
  if (t === 'COMMIT;' || t === 'COMMIT') return 'commit';
  if (t === 'ROLLBACK;' || t === 'ROLLBACK') return 'rollback';
  return null;
}

function noValues(args: unknown[]): boolean {
  if (typeof args[0] === 'string') return args.length === 1 || typeof args[1] === 'function';
  const values = (args[0] as { values?: unknown[] }).values;
  return values === undefined || values.length === 0;
}

function callbackOf(args: unknown[]): Callback | undefined {
  const last = args[args.length - 1];
  if (typeof last === 'function') return last as Callback;
  const config = args[0] as { callback?: unknown } | null;
  return config && typeof config === 'object' && typeof config.callback === 'function' ? (config.callback as Callback) : undefined;
}

/**
 * A statement given as text (and values), as knex and the `Sql` runner send them: `(text)`,
 * `(text, values)`, `({ text, values })`, with or without a callback. Null for anything else
 * (a named statement, a stream, row mode or types).
 */
function plainStatement(args: unknown[]): { text: string; values: unknown[] } | null {
  const [first, second] = args;
  if (typeof first === 'string') return { text: first, values: Array.isArray(second) ? second : [] };
  if (!first || typeof first !== 'object') return null;
  const config = first as Record<string, unknown>;
  for (const key of Object.keys(config)) if (key !== 'text' && key !== 'values' && key !== 'callback' && config[key] !== undefined) return null;
  if (typeof config.text !== 'string') return null;
  const values = config.values ?? (Array.isArray(second) ? second : []);
  return Array.isArray(values) ? { text: config.text, values } : null;
}

function answer(callback: Callback | undefined, result: Promise<PgResult>): Promise<PgResult> | undefined {
  if (!callback) return result;
  result.then(
    (r) => callback(null, r),
    (e: Error) => callback(e),
  );
  return undefined;
}

function emptyResult(command: string): PgResult {
  return { command, rows: [], rowCount: null, fields: [] };
}

/** The results of `BEGIN; <statement>` as the statement alone would have given them. */
function withoutFirst(results: PgResult | PgResult[]): PgResult {
  if (!Array.isArray(results)) return results;
  const rest = results.slice(1);
  return (rest.length === 1 ? rest[0] : rest) as PgResult;
}

/**
 * `text` with its placeholders replaced by `values` as escaped literals, typed exactly as the bound
 * parameters would be (an untyped literal, like an untyped parameter, takes the type its place needs).
 * Placeholders are `$1`, `$2`, … (pg's, any order) or, with `positional`, `?` (each the next value: the
 * `Sql` runner's texts). Null when that cannot be done safely: the text quotes strings, has comments or
 * a `$` that is not a placeholder (dollar quotes), a value is binary, a date or an object, or contains
 * a NUL, or the placeholders and values disagree. A plain scan: the group's last write has thousands of values.
 */
export function inlined(text: string, values: readonly unknown[], positional = false): string | null {
  if (text.includes("'") || text.includes('--') || text.includes('/*')) return null;
  const literals: string[] = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const literal = literalOf(values[i]);
    if (literal === null) return null;
    literals[i] = literal;
  }
  const parts: string[] = [];
  let from = 0;
  let next = 0;
  let highest = -1;
  const mark = positional ? '?' : '$';
  for (let at = text.indexOf(mark); at !== -1; at = text.indexOf(mark, from)) {
    parts.push(text.slice(from, at));
    let index: number;
    let end = at + 1;
    if (positional) index = next++;
    else {
      while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
      if (end === at + 1) return null; // a `$` that is no placeholder: a dollar quote, perhaps
      index = Number(text.slice(at + 1, end)) - 1;
      if (index > highest) highest = index;
    }
    const literal = literals[index];
    if (literal === undefined) return null;
    parts.push(literal);
    from = end;
  }
  // Every value used, as binding them would require (pg refuses a value without its placeholder).
  if ((positional ? next : highest + 1) !== values.length) return null;
  parts.push(text.slice(from));
  return parts.join('');
}

/** A value as pg would send it (text format), written as a literal; null when it cannot be. */
function literalOf(value: unknown): string | null {
  let text: string;
  switch (typeof value) {
    case 'string':
      text = value;
      break;
    case 'number':
    case 'bigint':
      return `'${value}'`;
    case 'boolean':
      return value ? "'true'" : "'false'";
    default:
      if (value === null || value === undefined) return 'null';
      return null; // dates, arrays, objects, buffers: bound as pg prepares them
  }
  if (text.includes('\0')) return null;
  const quoted = text.includes("'") ? text.replace(/'/g, "''") : text;
  // As pg's escapeLiteral: with a backslash, an E'' string with backslashes doubled.
  if (text.includes('\\')) return ` E'${quoted.replace(/\\/g, '\\\\')}'`;
  return `'${quoted}'`;
}
