import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { SAFETY_CHECKPOINT_PAGES } from './checkpointer.js';
import { foldingConnection } from './pg-fold.js';
import { sqliteMigrations } from './migrations/sqlite/index.js';
import { postgresMigrations } from './migrations/postgresql/index.js';

export type Dialect = 'sqlite' | 'postgresql';
export type Orm = MikroORM;
export type Em = SqlEntityManager;

/** The database as features see it: the ORM (fork an entity manager per operation) and which SQL it speaks. */
export interface Database {
  readonly orm: Orm;
  readonly dialect: Dialect;
}

/** Every table MikroORM knows about; the composition root owns the list (db imports no feature). */
export type EntityList = NonNullable<Options['entities']>;

export interface DbTarget {
  /** PostgreSQL connection URL; absent means the embedded SQLite file. */
  databaseUrl?: string;
  /** SQLite file path, or ':memory:'. */
  sqliteFile?: string;
  debug?: boolean;
}

export function dialectOf(target: DbTarget): Dialect {
  return target.databaseUrl ? 'postgresql' : 'sqlite';
}

export function migrationsFolder(dialect: Dialect): string {
  return join('server', 'src', 'db', 'migrations', dialect);
}

/** Options shared by the server, the CLIs and the tests, for either database. */
export function ormOptions(target: DbTarget, entities: EntityList): Options {
  const dialect = dialectOf(target);
  const common = {
    entities,
    extensions: [Migrator],
    debug: target.debug ?? false,
    allowGlobalContext: false,
    forceUndefined: false,
    migrations: {
      path: migrationsFolder(dialect),
      pathTs: migrationsFolder(dialect),
      migrationsList: dialect === 'sqlite' ? sqliteMigrations : postgresMigrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts' as const,
    },
  };
  if (dialect === 'postgresql') {
    const afterCreate = (conn: object, done: (err: Error | null, conn: unknown) => void) => {
      // A group commit's BEGIN and COMMIT share round trips with its first and last statements (db/pg-fold.ts).
      foldingConnection(conn);
      done(null, conn);
    };
    return { ...common, driver: PostgreSqlDriver, clientUrl: target.databaseUrl, pool: { min: 0, max: 10, afterCreate } } as Options;
  }
  const file = target.sqliteFile ?? ':memory:';
  if (file !== ':memory:') mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  return {
    ...common,
    driver: BetterSqliteDriver,
    dbName: file,
    pool: {
      afterCreate: (conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
        // WAL for concurrent readers; synchronous=FULL so an acknowledged rating survives power loss.
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = FULL');
        // Checkpoints run on their own thread (db/checkpointer.ts); this is the safety net.
        if (file !== ':memory:') conn.pragma(`wal_autocheckpoint = ${SAFETY_CHECKPOINT_PAGES}`);
        conn.pragma('busy_timeout = 5000');
        conn.pragma('foreign_keys = ON');
        // Deleted rows (personal data, anonymised raters) are overwritten, not left in free pages.
        conn.pragma('secure_delete = ON');
        done(null, conn);
      },
    },
  } as Options;
}

/**
 * The database file holds sealed personal data and the audit trail: only the server's user may read
 * it (0600). SQLite gives its -wal and -shm files the mode of the database file.
 */
function restrictFileModes(file: string | undefined): void {
  if (!file || file === ':memory:') return;
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

/** Connects and applies every committed migration that has not run yet. */
export async function openDatabase(target: DbTarget, entities: EntityList): Promise<Orm> {
  const orm = await MikroORM.init(ormOptions(target, entities));
  await orm.getMigrator().up();
  if (dialectOf(target) === 'sqlite') restrictFileModes(target.sqliteFile);
  return orm;
}
