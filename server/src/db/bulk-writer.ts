import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * Fast bulk loading for the seeder and benchmarks: multi-row prepared statements on SQLite and
 * parameterised multi-row statements on PostgreSQL, bypassing the ORM's value formatting.
 * Only for loading an otherwise idle database; the live write path goes through MikroORM.
 */
export interface BulkWriter {
  insert(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  /**
   * `insert … on conflict (key) do update set n = n + excluded.n` for counter tables. Rows given in
   * primary-key order are written in one pass over the index (the seeder sorts them).
   */
  addCounts(table: string, keyColumns: string[], rows: unknown[][]): Promise<void>;
  transaction(work: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export function openBulkWriter(target: { databaseUrl?: string; sqliteFile?: string }): Promise<BulkWriter> {
  return target.databaseUrl ? postgresWriter(target.databaseUrl) : Promise.resolve(sqliteWriter(target.sqliteFile!));
}

/** Rows per multi-row statement on SQLite: fewer calls into the driver, under its 32,766 parameters. */
const SQLITE_ROWS_PER_STATEMENT = Number(process.env.SEED_RPS ?? 64);
const SQLITE_MAX_PARAMS = 32_000;

function sqliteWriter(file: string): BulkWriter {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  // A database being seeded is not served yet and is seeded again if the load is interrupted: no
  // fsync per chunk (close() syncs once at the end); a big page cache keeps the rollup index hot.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -524288'); // KiB: 512 MiB
  db.pragma('temp_store = MEMORY');
  if (process.env.SEED_WALCP) db.pragma(`wal_autocheckpoint = ${process.env.SEED_WALCP}`);
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
  /** Writes rows with statements of `per` rows each (and one for the remainder); booleans become 0/1. */
  const write = (head: string, tail: string, columns: number, rows: unknown[][]) => {
    const per = Math.max(1, Math.min(SQLITE_ROWS_PER_STATEMENT, Math.floor(SQLITE_MAX_PARAMS / columns)));
    const tuple = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
    const statementFor = (count: number) => prepared(`${head} values ${Array.from({ length: count }, () => tuple).join(', ')} ${tail}`);
    const full = statementFor(per);
    const params: unknown[] = new Array(per * columns);
    let i = 0;
    for (; i + per <= rows.length; i += per) {
      let p = 0;
      for (let r = i; r < i + per; r++) {
        const row = rows[r]!;
        for (let c = 0; c < columns; c++) {
          const v = row[c];
          params[p++] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
        }
      }
      full.run(params);
    }
    if (i < rows.length) {
      const rest = rows.slice(i);
      const flat: unknown[] = [];
      for (const row of rest) for (let c = 0; c < columns; c++) flat.push(typeof row[c] === 'boolean' ? (row[c] ? 1 : 0) : row[c]);
      statementFor(rest.length).run(flat);
    }
  };
  return {
    async insert(table, columns, rows) {
      write(`insert into ${table} (${columns.join(', ')})`, '', columns.length, rows);
    },
    async addCounts(table, keyColumns, rows) {
      // Rows of one multi-row statement are applied in order, so a key repeated within it still adds up.
      write(`insert into ${table} (${[...keyColumns, 'n'].join(', ')})`,
        `on conflict (${keyColumns.join(', ')}) do update set n = ${table}.n + excluded.n`, keyColumns.length + 1, rows);
    },
    async transaction(work) {
      db.exec('begin immediate');
      try {
        await work();
        db.exec('commit');
      } catch (err) {
        db.exec('rollback');
        throw err;
      }
    },
    async close() {
      // Everything written so far reaches the disk here: the checkpoint syncs the database file.
      db.pragma('synchronous = FULL');
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}

async function postgresWriter(url: string): Promise<BulkWriter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Seeding is re-run from scratch when interrupted, so commits need not wait for the WAL flush.
  await client.query('set synchronous_commit = off');
  const MAX_PARAMS = 60_000;
  const multi = async (head: string, tail: string, columns: number, rows: unknown[][]) => {
    const per = Math.floor(MAX_PARAMS / columns);
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      let p = 0;
      const values = chunk.map(() => `(${Array.from({ length: columns }, () => `$${++p}`).join(', ')})`).join(', ');
      await client.query(`${head} values ${values} ${tail}`, chunk.flat());
    }
  };
  return {
    insert: (table, columns, rows) => multi(`insert into ${table} (${columns.join(', ')})`, '', columns.length, rows),
    // PostgreSQL refuses one statement that updates the same row twice: callers pass distinct keys.
    addCounts: (table, keyColumns, rows) => multi(
      `insert into ${table} (${[...keyColumns, 'n'].join(', ')})`,
      `on conflict (${keyColumns.join(', ')}) do update set n = ${table}.n + excluded.n`, keyColumns.length + 1, rows,
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
