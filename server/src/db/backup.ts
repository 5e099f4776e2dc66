import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { DbTarget } from './orm.js';

const run = promisify(execFile);

/**
 * Backups and restores of the whole database (`npm run backup`, `npm run restore`). SQLite: the online
 * backup API of better-sqlite3 (a consistent copy while the server keeps writing). PostgreSQL: pg_dump
 * in its custom format and pg_restore, found on the PATH (the client programs of the server's major
 * version: Debian's postgresql-client). The copy
 * holds sealed personal data and the audit trail: it is written with mode 0600.
 */
export async function backupDatabase(target: DbTarget, out: string): Promise<{ bytes: number }> {
  mkdirSync(dirname(out), { recursive: true, mode: 0o700 });
  if (target.databaseUrl) {
    await run('pg_dump', ['--format=custom', '--no-owner', '--file', out, '--dbname', target.databaseUrl]);
  } else {
    if (!target.sqliteFile || !existsSync(target.sqliteFile)) throw new Error(`no SQLite database at ${target.sqliteFile}`);
    const db = new Database(target.sqliteFile, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      await db.backup(out);
    } finally {
      db.close();
    }
  }
  chmodSync(out, 0o600);
  return { bytes: statSync(out).size };
}

/**
 * Restores a backup into an empty database (a fresh DATA_DIR, or a freshly created PostgreSQL
 * database); with `force` it replaces what is there. The server must not be running on the target.
 */
export async function restoreDatabase(target: DbTarget, file: string, options: { force?: boolean } = {}): Promise<void> {
  if (!existsSync(file)) throw new Error(`no backup file at ${file}`);
  if (target.databaseUrl) {
    const args = ['--no-owner', '--exit-on-error', '--dbname', target.databaseUrl];
    if (options.force) args.push('--clean', '--if-exists');
    await run('pg_restore', [...args, file]);
    return;
  }
  const dest = target.sqliteFile;
  if (!dest || dest === ':memory:') throw new Error('restore needs a database file');
  if (existsSync(dest)) {
    if (!options.force) throw new Error(`${dest} exists: restore into a fresh DATA_DIR, or pass --force to replace it`);
    for (const path of [dest, `${dest}-wal`, `${dest}-shm`]) rmSync(path, { force: true });
  }
  mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
  const source = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = source.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new Error(`the backup file fails SQLite's integrity check: ${String(check)}`);
    await source.backup(dest);
  } finally {
    source.close();
  }
  chmodSync(dest, 0o600);
}
