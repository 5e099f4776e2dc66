import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let counter = 0;

/**
 * A throwaway database for one test server: a temp SQLite file, or a fresh PostgreSQL database on the
 * server named by DATABASE_URL (the suite runs once on each, see scripts/test.sh).
 */
export async function throwawayDatabase(): Promise<{ databaseUrl?: string; sqliteFile?: string; dataDir: string; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcp-test-'));
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    return { sqliteFile: join(dataDir, 'test.sqlite'), dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `hcp_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir,
    drop: async () => {
      await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
