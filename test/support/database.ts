import pg from 'pg';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

let counter = 0;

/** The migrated templates of this run (test/support/global-setup.ts), or none when run without it. */
function templates(): { runId?: string; sqliteFile?: string; pgDatabase?: string } {
  try {
    return inject('templates') ?? {};
  } catch {
    return {};
  }
}

/**
 * A throwaway database for one test server: a temp SQLite file, or a fresh PostgreSQL database on the
 * server named by DATABASE_URL (the suite runs once on each, see scripts/test.sh).
 *
 * Empty by default (the server migrates it when it opens it). With `migrated`, it starts as a copy of the
 * run's template, which already holds every committed migration, so the server finds nothing to apply;
 * without a template (vitest run without the global setup) it is empty as before.
 */
export async function throwawayDatabase(
  options: { migrated?: boolean } = {},
): Promise<{ databaseUrl?: string; sqliteFile?: string; dataDir: string; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcp-test-'));
  const adminUrl = process.env.DATABASE_URL;
  const template = options.migrated ? templates() : {};
  if (!adminUrl) {
    const sqliteFile = join(dataDir, 'test.sqlite');
    if (template.sqliteFile) copyFileSync(template.sqliteFile, sqliteFile);
    return { sqliteFile, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `hcp_t_${templates().runId ?? 'x'}_${process.pid.toString(36)}_${Date.now().toString(36)}_${counter++}`;
  await adminQuery(adminUrl, template.pgDatabase ? `create database ${name} template ${template.pgDatabase}` : `create database ${name}`);
  // Commits do not wait for PostgreSQL's WAL flush on these throwaway databases (a database's settings are
  // not copied from its template): what a test sees is the same, as nothing here survives a power cut anyway.
  await adminQuery(adminUrl, `alter database ${name} set synchronous_commit = off`);
  const dropDatabase = () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
  return {
    databaseUrl: databaseUrlOf(adminUrl, name),
    dataDir,
    drop: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      // A copy of the template is dropped in the background while the tests go on (nobody reads it
      // again); the global setup's teardown drops any such database still there at the end of the run.
      if (template.pgDatabase) void dropDatabase().catch(() => undefined);
      else await dropDatabase();
    },
  };
}

/** DATABASE_URL with another database name. */
export function databaseUrlOf(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function adminQuery(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}
