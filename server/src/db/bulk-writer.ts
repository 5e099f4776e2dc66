import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * Fast bulk loading for the seeder and benchmarks: plain prepared statements on SQLite and
 * parameterised multi-row statements on PostgreSQL, bypassing the ORM's value formatting.
 * Only for loading an otherwise idle database; the live write path goes through MikroORM.
 */
export interface BulkWriter {
  insert(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  /** `insert … on conflict (key) do update set n = n + excluded.n` for counter tables. */
  addCounts(table: string, keyColumns: string[], rows: unknown[][]): Promise<void>;
  transaction(work: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export function openBulkWriter(target: { databaseUrl?: string; sqliteFile?: string }): Promise<BulkWriter> {
  return target.databaseUrl ? postgresWriter(target.databaseUrl) : Promise.resolve(sqliteWriter(target.sqliteFile!));
}

function sqliteWriter(file: string): BulkWriter {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
  const bind = (row: unknown[]) => row.map((v) => (typeof v === 'boolean' ? Number(v) : v));
  return {
    async insert(table, columns, rows) {
      const stmt = prepared(`insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);
      for (const row of rows) stmt.run(bind(row));
    },
    async addCounts(table, keyColumns, rows) {
      const columns = [...keyColumns, 'n'];
      const stmt = prepared(`insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) `
        + `on conflict (${keyColumns.join(', ')}) do update set n = ${table}.n + excluded.n`);
      for (const row of rows) stmt.run(bind(row));
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
      db.close();
    },
  };
}

async function postgresWriter(url: string): Promise<BulkWriter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
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
