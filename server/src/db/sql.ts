import type { EntityMetadata, EntitySchema } from '@mikro-orm/core';
import type { Em } from './orm.js';
import { holdForCommit } from './pg-fold.js';

/**
 * Plain SQL for the rating hot path, on the caller's transaction. The same text runs on both
 * databases (`?` placeholders). On SQLite inside a transaction the statements go straight to
 * better-sqlite3 and stay prepared for the next call: the ORM and query builder cost about ten times
 * what SQLite itself spends on these small statements. On PostgreSQL they go to the transaction's
 * `pg` client as named (server-side prepared) statements. Outside a transaction (where SQLite's one
 * connection may belong to someone else's transaction) it is `em.execute`.
 */
export interface Sql {
  /** Rows of a select, or of an insert/update with `returning`. */
  all<T = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: StatementOptions): Promise<T[]>;
  /** Runs a statement without rows; resolves to the number of rows it changed. */
  run(text: string, params?: readonly unknown[], options?: StatementOptions): Promise<number>;
  /**
   * Runs parameterless statements separated by `;` in one round trip on PostgreSQL (the simple query
   * protocol, nothing prepared: works behind PgBouncer); one after another on SQLite.
   */
  script(text: string): Promise<void>;
  /**
   * A write whose answer nobody reads (an insert or upsert without `returning`). Runs at once, unless
   * writes are held (`holdWrites`, a group commit on PostgreSQL): then it is kept and sent with the
   * other kept writes as ONE statement (`with w1 as (…), w2 as (…) select 1`: one round trip instead of
   * one each) before the next statement of the transaction or at `flushWrites`. A kept write's error
   * surfaces there, so only writes that fail for no single job's reason are written this way (a group's
   * counters, a batch's outbox rows). Writes made meanwhile through the ORM bypass this runner and would
   * overtake kept ones: rows ordered by id (outbox rows, per case) are kept only while every later writer of
   * their table in the transaction goes through the runner (see insertRows).
   */
  write(text: string, params?: readonly unknown[]): Promise<void>;
  /** Keeps this transaction's `write`s until `flushWrites` (or the next other statement); only PostgreSQL keeps them. */
  holdWrites(): void;
  /**
   * Sends the kept writes; the caller must call it before the transaction commits. `last`: nothing but
   * the commit follows (a group commit on PostgreSQL): the final combined write may be kept to go with
   * the COMMIT in one round trip (db/pg-fold.ts); its error then surfaces at the commit.
   */
  flushWrites(options?: { last?: boolean }): Promise<void>;
}

export interface StatementOptions {
  /**
   * False for a text that varies with its row count (a group's multi-row insert): run it unprepared on
   * PostgreSQL (still one round trip), so texts of every size do not use up the named statements the
   * fixed hot-path texts keep. SQLite caches every text (bounded).
   */
  prepare?: boolean;
}

interface SqliteStatement {
  reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
interface SqliteConnection {
  prepare(text: string): SqliteStatement;
  exec(text: string): unknown;
}
interface KnexTransaction {
  client: { acquireConnection(): Promise<unknown> };
}

interface PgClient {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** Prepared statements per connection; bounded, since multi-row upserts vary in their row count. */
const prepared = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();
const MAX_PREPARED = 500;

/** One runner per transaction: a group commit asks for it once per statement helper. */
const runners = new WeakMap<object, Sql>();

export async function sqlOf(em: Em): Promise<Sql> {
  const trx = em.getTransactionContext<KnexTransaction>();
  if (!trx) return viaOrm(em);
  let runner = runners.get(trx);
  if (!runner) runners.set(trx, (runner = await runnerFor(em, trx)));
  return runner;
}

async function runnerFor(em: Em, trx: KnexTransaction): Promise<Sql> {
  const driver = em.getDriver();
  const convert = (err: unknown) => driver.convertException(err as Error);
  const connection = await trx.client.acquireConnection();
  return em.getPlatform().constructor.name.startsWith('PostgreSql')
    ? viaPostgres(connection as PgClient, convert)
    : viaSqlite(connection as SqliteConnection, convert);
}

function viaOrm(em: Em): Sql {
  return {
    all: <T>(text: string, params: readonly unknown[] = []) => em.execute<T[]>(text, [...params], 'all'),
    run: async (text: string, params: readonly unknown[] = []) => {
      const result = await em.execute<{ affectedRows: number }>(text, [...params], 'run');
      return result.affectedRows;
    },
    script: async (text: string) => {
      for (const statement of text.split(';')) if (statement.trim()) await em.execute(statement, [], 'run');
    },
    write: async (text: string, params: readonly unknown[] = []) => {
      await em.execute(text, [...params], 'run');
    },
    holdWrites: () => undefined,
    flushWrites: async () => undefined,
  };
}

/** `convert`: the driver's error translation, so callers see the same exceptions as through the ORM. */
function viaSqlite(conn: SqliteConnection, convert: (err: unknown) => Error): Sql {
  let cache = prepared.get(conn);
  if (!cache) prepared.set(conn, (cache = new Map()));
  // Texts of every size are cached too: compiling one costs more than SQLite runs it, and the cache is bounded.
  // At the bound the oldest text goes, not all of them: a group's multi-row texts vary with its size, and
  // clearing everything made every hot text compile again each time the cache filled.
  const statement = (text: string) => {
    let stmt = cache.get(text);
    if (!stmt) {
      if (cache.size >= MAX_PREPARED) cache.delete(cache.keys().next().value!);
      stmt = conn.prepare(text);
      cache.set(text, stmt);
    }
    return stmt;
  };
  return {
    all: async <T>(text: string, params: readonly unknown[] = []) => {
      try {
        return statement(text).all(...params.map(sqliteValue)) as T[];
      } catch (err) {
        throw convert(err);
      }
    },
    run: async (text: string, params: readonly unknown[] = []) => {
      try {
        return statement(text).run(...params.map(sqliteValue)).changes;
      } catch (err) {
        throw convert(err);
      }
    },
    script: async (text: string) => {
      try {
        conn.exec(text);
      } catch (err) {
        throw convert(err);
      }
    },
    // No round trips to save on SQLite: every write runs at once.
    write: async (text: string, params: readonly unknown[] = []) => {
      try {
        statement(text).run(...params.map(sqliteValue));
      } catch (err) {
        throw convert(err);
      }
    },
    holdWrites: () => undefined,
    flushWrites: async () => undefined,
  };
}

/** Names of statements prepared on PostgreSQL connections: the same text has the same name everywhere. */
const pgNames = new Map<string, { name: string | undefined; text: string }>();
/** Off behind a pooler that moves clients between server connections (the PG_NAMED_STATEMENTS setting). */
let namedStatements = true;

/** Set once by the composition root from the configuration: whether PostgreSQL statements are prepared under a name. */
export function useNamedStatements(on: boolean): void {
  namedStatements = on;
}

function viaPostgres(client: PgClient, convert: (err: unknown) => Error): Sql {
  const send = async (text: string, params: readonly unknown[], options?: StatementOptions) => {
    let known = options?.prepare === false ? { name: undefined, text: numbered(text) } : pgNames.get(text);
    if (!known) {
      // Past the bound, statements still run, unnamed (planned each time).
      known = { name: pgNames.size < MAX_PREPARED ? `hcp_${pgNames.size + 1}` : undefined, text: numbered(text) };
      pgNames.set(text, known);
    }
    try {
      return await client.query({
        name: namedStatements ? known.name : undefined,
        text: known.text,
        values: params.map((v) => (v === undefined ? null : v)),
      });
    } catch (err) {
      throw convert(err);
    }
  };
  let holding = false;
  let kept: KeptWrite[] = [];
  const flushWrites = async (options?: { last?: boolean }) => {
    while (kept.length > 0) {
      const [statement, rest] = combinedWrites(kept);
      kept = rest;
      if (options?.last && rest.length === 0 && holdForCommit(client, statement.text, statement.params)) return;
      try {
        // Its text varies with the writes and their row counts: unnamed, still one round trip.
        await send(statement.text, statement.params, { prepare: false });
      } catch (err) {
        kept = [];
        throw err;
      }
    }
  };
  const query = async (text: string, params: readonly unknown[], options?: StatementOptions) => {
    if (kept.length > 0) await flushWrites(); // in order: whatever follows may read what they wrote
    return send(text, params, options);
  };
  return {
    all: async <T>(text: string, params: readonly unknown[] = [], options?: StatementOptions) => (await query(text, params, options)).rows as T[],
    run: async (text: string, params: readonly unknown[] = [], options?: StatementOptions) => (await query(text, params, options)).rowCount ?? 0,
    script: async (text: string) => {
      if (kept.length > 0) await flushWrites();
      try {
        // No values, no name: node-postgres sends it as one simple query, all statements in one round trip.
        await client.query({ text });
      } catch (err) {
        throw convert(err);
      }
    },
    write: async (text: string, params: readonly unknown[] = []) => {
      if (holding) kept.push({ text, params, table: writtenTable(text) });
      else await query(text, params, { prepare: false });
    },
    holdWrites: () => {
      holding = true;
    },
    flushWrites,
  };
}

interface KeptWrite {
  text: string;
  params: readonly unknown[];
  /** The table it writes, or null when unknown (then it is sent alone). */
  table: string | null;
}

/** Parameters of one combined statement, well below PostgreSQL's 65,535. */
const MAX_COMBINED_PARAMS = 30_000;

/**
 * The first kept writes that can share one statement, and the rest: each table at most once (a row
 * written twice by one statement is an error or undefined in PostgreSQL), under the parameter bound.
 */
function combinedWrites(kept: KeptWrite[]): [{ text: string; params: unknown[] }, KeptWrite[]] {
  const first = kept[0]!;
  if (kept.length === 1 || first.table === null) return [{ text: first.text, params: [...first.params] }, kept.slice(1)];
  const parts: KeptWrite[] = [first];
  const tables = new Set([first.table]);
  let count = first.params.length;
  let k = 1;
  for (; k < kept.length; k++) {
    const next = kept[k]!;
    if (next.table === null || tables.has(next.table) || count + next.params.length > MAX_COMBINED_PARAMS) break;
    parts.push(next);
    tables.add(next.table);
    count += next.params.length;
  }
  if (parts.length === 1) return [{ text: first.text, params: [...first.params] }, kept.slice(1)];
  // `?` placeholders are positional: the parts' parameters in the parts' order stay in line with them.
  const text = `with ${parts.map((p, i) => `w${i + 1} as (${p.text})`).join(', ')} select 1`;
  return [{ text, params: parts.flatMap((p) => p.params) }, kept.slice(k)];
}

/** `insert into t …` → t; null for anything else (sent alone). */
function writtenTable(text: string): string | null {
  const match = /^\s*insert\s+into\s+([a-z_][a-z0-9_]*)/i.exec(text);
  return match ? match[1]!.toLowerCase() : null;
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`, … */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null only (as knex's dialect converts). */
function sqliteValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  return value === undefined ? null : value;
}

/**
 * Turns a row of `select *` into the entity's plain object, as the ORM would: column names to
 * property names, 0/1 to booleans on SQLite, bigint strings to numbers on PostgreSQL.
 */
const readers = new WeakMap<EntitySchema<never>, (row: Record<string, unknown>) => unknown>();

export function rowReader<T extends object>(em: Em, schema: EntitySchema<T>): (row: Record<string, unknown>) => T {
  const known = readers.get(schema as unknown as EntitySchema<never>);
  if (known) return known as (row: Record<string, unknown>) => T;
  const meta = em.getMetadata().get(schema.meta.className) as EntityMetadata<T>;
  const fields = meta.props
    .filter((p) => p.fieldNames?.length === 1)
    .map((p) => ({
      name: p.name as string,
      column: p.fieldNames[0]!,
      kind: p.runtimeType === 'boolean' ? 'bool' : p.runtimeType === 'number' ? 'num' : 'other',
    }));
  const read = (row: Record<string, unknown>): T => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const v = row[f.column];
      out[f.name] = v == null ? null : f.kind === 'bool' ? Boolean(v) : f.kind === 'num' ? Number(v) : v;
    }
    return out as T;
  };
  readers.set(schema as unknown as EntitySchema<never>, read);
  return read;
}

/** A cached insert of every column but the id, with the entity's declared default per column. */
interface InsertStatement {
  text: string;
  names: string[];
  defaults: unknown[];
}

const inserts = new WeakMap<EntitySchema<never>, InsertStatement>();

/** `insert into <table> (<columns>) values (?, …)` of an entity (its id left to the database), and the property names in order. */
export function insertStatement<T extends { id: number }>(em: Em, schema: EntitySchema<T>): InsertStatement {
  let insert = inserts.get(schema as unknown as EntitySchema<never>);
  if (!insert) {
    const meta = em.getMetadata().get(schema.meta.className) as EntityMetadata<T>;
    const props = meta.props.filter((p) => p.fieldNames?.length === 1 && !p.primary);
    insert = {
      text: `insert into ${meta.tableName} (${props.map((p) => p.fieldNames[0]).join(', ')}) values (${props.map(() => '?').join(', ')})`,
      names: props.map((p) => p.name as string),
      defaults: props.map((p) => (p.default === undefined ? null : p.default)),
    };
    inserts.set(schema as unknown as EntitySchema<never>, insert);
  }
  return insert;
}

/**
 * The values of `row` in the order of insertStatement's columns. A property the row omits takes the
 * entity's declared default, as the column's own default would (the statement names every column, so
 * the database never applies its default); an explicit null stays null.
 */
export function insertValues<T extends { id: number }>(em: Em, schema: EntitySchema<T>, row: Omit<T, 'id'>): unknown[] {
  const { names, defaults } = insertStatement(em, schema);
  return names.map((name, i) => {
    const value = (row as Record<string, unknown>)[name];
    return value === undefined ? defaults[i] : value;
  });
}

/** `insert into <table> (<columns>) values (?, …), (?, …), …` for `count` rows (insertStatement's columns). */
export function insertManyStatement<T extends { id: number }>(em: Em, schema: EntitySchema<T>, count: number): string {
  const { text } = insertStatement(em, schema);
  const at = text.lastIndexOf(' values (');
  const row = text.slice(at + ' values '.length);
  return `${text.slice(0, at)} values ${Array.from({ length: count }, () => row).join(', ')}`;
}

/**
 * Several rows in one statement (no ids back; see insertManyStatement for the text). `kept`: as a kept
 * write (see Sql.write: on PostgreSQL sent with the group's other kept writes, before the next
 * statement of the transaction or the commit). Rows whose ids order them (outbox rows, per case, R26)
 * may be kept only when every later write to their table goes through the same runner (`sql`), which
 * sends the kept ones first: appendOutbox and the exchange hooks do.
 */
export async function insertRows<T extends { id: number }>(
  em: Em,
  sql: Sql,
  schema: EntitySchema<T>,
  rows: readonly Omit<T, 'id'>[],
  options: { kept?: boolean } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const text = insertManyStatement(em, schema, rows.length);
  const values = rows.flatMap((row) => insertValues(em, schema, row));
  if (options.kept) await sql.write(text, values);
  else await sql.run(text, values, { prepare: false });
}

/** `insert … returning id` of an entity's plain object (without its id), through `sql`. */
export async function insertRow<T extends { id: number }>(em: Em, sql: Sql, schema: EntitySchema<T>, row: Omit<T, 'id'>): Promise<number> {
  const rows = await sql.all<{ id: number }>(`${insertStatement(em, schema).text} returning id`, insertValues(em, schema, row));
  return Number(rows[0]!.id);
}

/**
 * The columns of an entity's table as `<alias>.<column> as <prefix><column>`, for a select that
 * reads it beside another table's `*` in one statement; `prefixedReader` reads them back.
 */
export function prefixedColumns<T extends object>(em: Em, schema: EntitySchema<T>, alias: string, prefix: string): string {
  const meta = em.getMetadata().get(schema.meta.className) as EntityMetadata<T>;
  return meta.props
    .filter((p) => p.fieldNames?.length === 1)
    .map((p) => `${alias}.${p.fieldNames[0]} as ${prefix}${p.fieldNames[0]}`)
    .join(', ');
}

/** Reads the columns selected by prefixedColumns back into the entity's plain object. */
export function prefixedReader<T extends object>(em: Em, schema: EntitySchema<T>, prefix: string): (row: Record<string, unknown>) => T {
  const read = rowReader(em, schema);
  return (row) => {
    const own: Record<string, unknown> = {};
    for (const key in row) if (key.startsWith(prefix)) own[key.slice(prefix.length)] = row[key];
    return read(own);
  };
}
