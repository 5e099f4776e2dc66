import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * Fast bulk loading for the seeder and benchmarks: multi-row prepared statements on SQLite and
 * parameterised multi-row statements on PostgreSQL, bypassing the ORM's value formatting.
 * Only for loading an otherwise idle database; the live write path goes through MikroORM.
 */
export interface BulkWriter {
  /** Inserts rows of `columns`; `constants` are the same in every row (written into the statement once). */
  insert(table: string, columns: string[], rows: unknown[][], constants?: Constants): Promise<void>;
  /**
   * `insert … on conflict (key) do update set n = n + excluded.n` for counter tables. Rows given in
   * primary-key order are written in one pass over the index (the seeder sorts them).
   */
  addCounts(table: string, keyColumns: string[], rows: unknown[][]): Promise<void>;
  /**
   * Runs `work` in one transaction. With a writer thread (`openBulkWriter(…, { thread: true })`) the
   * statements run on that thread while the caller prepares the next transaction: the promise then
   * settles once the work is queued (a bounded queue), and a failure surfaces at a later call or at
   * `close()`, which waits for everything to be written.
   */
  transaction(work: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** Column values common to every row of an insert: numbers, booleans or null. */
export type Constants = Record<string, number | boolean | null>;

/** The columns and SQL literals of constants (only numbers, booleans and null: nothing to escape). */
function constantParts(constants: Constants | undefined): { columns: string[]; literals: string[] } {
  const entries = Object.entries(constants ?? {});
  for (const [column, value] of entries) {
    if (!/^[a-z_][a-z0-9_]*$/.test(column) || !(value === null || typeof value === 'boolean' || Number.isFinite(value))) {
      throw new Error(`bulk insert: bad constant ${column} = ${String(value)}`);
    }
  }
  return { columns: entries.map(([c]) => c), literals: entries.map(([, v]) => (v === null ? 'null' : String(v))) };
}

export interface BulkTarget {
  databaseUrl?: string;
  sqliteFile?: string;
}

/**
 * `thread`: on SQLite, write on a worker thread so that producing rows and writing them use two
 * cores (PostgreSQL already writes in its own process, so the option changes nothing there).
 */
export function openBulkWriter(target: BulkTarget, options: { thread?: boolean } = {}): Promise<BulkWriter> {
  if (target.databaseUrl) return postgresWriter(target.databaseUrl);
  return options.thread ? threadWriter(target.sqliteFile!) : Promise.resolve(asyncWriter(new SqliteBulk(target.sqliteFile!)));
}

/** Rows per multi-row statement on SQLite: fewer calls into the driver, under its 32,766 parameters. */
const SQLITE_ROWS_PER_STATEMENT = 64;
const SQLITE_MAX_PARAMS = 32_000;

/** The SQLite loader itself, synchronous (better-sqlite3): used on the caller's thread or on a worker. */
class SqliteBulk {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    const db = new Database(file);
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    // A database being seeded is not served yet and is seeded again if the load is interrupted: no
    // fsync per transaction (close() syncs once at the end); a big page cache keeps the indexes hot.
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -524288'); // KiB: 512 MiB
    db.pragma('temp_store = MEMORY');
  }

  insert(table: string, columns: string[], rows: unknown[][], constants?: Constants): void {
    const extra = constantParts(constants);
    this.write(`insert into ${table} (${[...columns, ...extra.columns].join(', ')})`, '', columns.length, rows, extra.literals);
  }

  addCounts(table: string, keyColumns: string[], rows: unknown[][]): void {
    // Rows of one multi-row statement are applied in order, so a key repeated within it still adds up.
    this.write(
      `insert into ${table} (${[...keyColumns, 'n'].join(', ')})`,
      `on conflict (${keyColumns.join(', ')}) do update set n = ${table}.n + excluded.n`,
      keyColumns.length + 1,
      rows,
    );
  }

  exec(sql: 'begin immediate' | 'commit' | 'rollback'): void {
    if (sql === 'rollback' && !this.db.inTransaction) return;
    this.db.exec(sql);
  }

  close(): void {
    if (!this.db.open) return;
    if (this.db.inTransaction) this.db.exec('rollback');
    // Everything written so far reaches the disk here: the checkpoint syncs the database file.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }

  private prepared(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) this.statements.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  /** Writes rows with statements of `per` rows each (and one for the remainder); booleans become 0/1. */
  private write(head: string, tail: string, columns: number, rows: unknown[][], literals: string[] = []): void {
    const per = Math.max(1, Math.min(SQLITE_ROWS_PER_STATEMENT, Math.floor(SQLITE_MAX_PARAMS / columns)));
    const tuple = `(${[...Array.from({ length: columns }, () => '?'), ...literals].join(', ')})`;
    const statementFor = (count: number) => this.prepared(`${head} values ${Array.from({ length: count }, () => tuple).join(', ')} ${tail}`);
    const bindRows = (from: number, to: number, params: unknown[]) => {
      let p = 0;
      for (let r = from; r < to; r++) {
        const row = rows[r]!;
        for (let c = 0; c < columns; c++) {
          const v = row[c];
          params[p++] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
        }
      }
      return params;
    };
    const full = statementFor(per);
    const params: unknown[] = new Array(per * columns);
    let i = 0;
    for (; i + per <= rows.length; i += per) full.run(bindRows(i, i + per, params));
    if (i < rows.length) statementFor(rows.length - i).run(bindRows(i, rows.length, new Array((rows.length - i) * columns)));
  }
}

function asyncWriter(bulk: SqliteBulk): BulkWriter {
  return {
    insert: async (table, columns, rows, constants) => bulk.insert(table, columns, rows, constants),
    addCounts: async (table, keyColumns, rows) => bulk.addCounts(table, keyColumns, rows),
    async transaction(work) {
      bulk.exec('begin immediate');
      try {
        await work();
        bulk.exec('commit');
      } catch (err) {
        bulk.exec('rollback');
        throw err;
      }
    },
    close: async () => bulk.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// The same loader on a worker thread (this module is the worker's entry, see the end of the file)
// ---------------------------------------------------------------------------------------------

type Op =
  | { op: 'insert'; table: string; columns: string[]; rows: unknown[][]; constants?: Constants }
  | { op: 'addCounts'; table: string; columns: string[]; rows: unknown[][] }
  | { op: 'begin' | 'commit' | 'rollback' | 'close' };
type Reply = { seq: number; error?: string } | { ready: true } | { failed: string };

const WORKER_FLAG = 'haochapingBulkWriter';
/** Messages the caller may be ahead of the writer thread: about two transactions of the seeder. */
const MAX_IN_FLIGHT = 10;

async function threadWriter(file: string): Promise<BulkWriter> {
  const self = new URL(import.meta.url);
  const data = { [WORKER_FLAG]: true, file };
  // Run from TypeScript sources (tsx, vitest), the thread registers tsx before loading this module.
  const worker = self.pathname.endsWith('.ts')
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(self.href)}); })`,
        { eval: true, workerData: data },
      )
    : new Worker(self, { workerData: data });
  let seq = 0;
  let done = 0;
  let failure: Error | null = null;
  const waiting: Array<{ until: number; resolve: () => void; reject: (err: Error) => void }> = [];
  const settle = () => {
    for (let i = waiting.length - 1; i >= 0; i--) {
      const w = waiting[i]!;
      if (failure) w.reject(failure);
      else if (done >= w.until) w.resolve();
      else continue;
      waiting.splice(i, 1);
    }
  };
  const fail = (err: Error) => {
    failure ??= err;
    settle();
  };
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: Reply) => ('ready' in m ? resolve() : reject(new Error('failed' in m ? m.failed : 'bulk writer thread did not start'))));
  });
  worker.on('message', (m: Reply) => {
    if (!('seq' in m)) return;
    if (m.error) fail(new Error(`bulk writer thread: ${m.error}`));
    done = Math.max(done, m.seq);
    settle();
  });
  worker.on('error', (err) => fail(err));
  let closed = false;
  worker.on('exit', (code) => {
    if (!closed) fail(new Error(`bulk writer thread exited with code ${code}`));
  });
  /** Posts an operation; resolves once at most `ahead` operations are still unwritten. */
  const post = (op: Op, ahead = MAX_IN_FLIGHT): Promise<void> => {
    if (failure && op.op !== 'close') return Promise.reject(failure);
    seq += 1;
    worker.postMessage({ ...op, seq });
    const until = seq - ahead;
    if (done >= until) return Promise.resolve();
    return new Promise((resolve, reject) => {
      waiting.push({ until, resolve, reject });
    });
  };
  return {
    insert: (table, columns, rows, constants) => post({ op: 'insert', table, columns, rows, constants }),
    addCounts: (table, columns, rows) => post({ op: 'addCounts', table, columns, rows }),
    async transaction(work) {
      await post({ op: 'begin' });
      try {
        await work();
      } catch (err) {
        await post({ op: 'rollback' }).catch(() => undefined);
        throw err;
      }
      await post({ op: 'commit' });
    },
    async close() {
      if (closed) return;
      try {
        await post({ op: 'close' }, 0);
      } catch {
        /* the first failure is thrown below */
      }
      closed = true;
      await worker.terminate();
      if (failure) throw failure;
    },
  };
}

/** The worker's side: applies the operations in order; after a failure it rolls back and refuses the rest. */
function runWorker(file: string): void {
  const port = parentPort!;
  let bulk: SqliteBulk;
  try {
    bulk = new SqliteBulk(file);
  } catch (err) {
    port.postMessage({ failed: err instanceof Error ? err.message : String(err) } satisfies Reply);
    return;
  }
  port.postMessage({ ready: true } satisfies Reply);
  let failed: string | null = null;
  port.on('message', (m: Op & { seq: number }) => {
    if (failed) {
      if (m.op === 'close') {
        try {
          bulk.close();
        } catch {
          /* reported already */
        }
      }
      port.postMessage({ seq: m.seq, error: failed } satisfies Reply);
      return;
    }
    try {
      switch (m.op) {
        case 'insert':
          bulk.insert(m.table, m.columns, m.rows, m.constants);
          break;
        case 'addCounts':
          bulk.addCounts(m.table, m.columns, m.rows);
          break;
        case 'begin':
          bulk.exec('begin immediate');
          break;
        case 'commit':
          bulk.exec('commit');
          break;
        case 'rollback':
          bulk.exec('rollback');
          break;
        case 'close':
          bulk.close();
          break;
      }
      port.postMessage({ seq: m.seq } satisfies Reply);
    } catch (err) {
      failed = err instanceof Error ? err.message : String(err);
      try {
        bulk.exec('rollback');
      } catch {
        /* already rolled back */
      }
      port.postMessage({ seq: m.seq, error: failed } satisfies Reply);
    }
  });
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_FLAG]) runWorker((workerData as { file: string }).file);

async function postgresWriter(url: string): Promise<BulkWriter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Seeding is re-run from scratch when interrupted, so commits need not wait for the WAL flush.
  await client.query('set synchronous_commit = off');
  const MAX_PARAMS = 60_000;
  const multi = async (head: string, tail: string, columns: number, rows: unknown[][], literals: string[] = []) => {
    const per = Math.floor(MAX_PARAMS / columns);
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      let p = 0;
      const values = chunk.map(() => `(${[...Array.from({ length: columns }, () => `$${++p}`), ...literals].join(', ')})`).join(', ');
      await client.query(`${head} values ${values} ${tail}`, chunk.flat());
    }
  };
  return {
    insert: (table, columns, rows, constants) => {
      const extra = constantParts(constants);
      return multi(`insert into ${table} (${[...columns, ...extra.columns].join(', ')})`, '', columns.length, rows, extra.literals);
    },
    // PostgreSQL refuses one statement that updates the same row twice: callers pass distinct keys.
    addCounts: (table, keyColumns, rows) =>
      multi(
        `insert into ${table} (${[...keyColumns, 'n'].join(', ')})`,
        `on conflict (${keyColumns.join(', ')}) do update set n = ${table}.n + excluded.n`,
        keyColumns.length + 1,
        rows,
      ),
    async transaction(work) {
      await client.query('begin');
      try {
        await work();
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw err;
      }
    },
    close: () => client.end(),
  };
}
