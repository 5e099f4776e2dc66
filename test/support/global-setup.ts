import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { allEntities } from '../../server/src/app/entities.js';
import { openDatabase } from '../../server/src/db/orm.js';
import { adminQuery, databaseUrlOf } from './database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's migrated databases, copied for each test server (test/support/database.ts). */
    templates: { runId: string; sqliteFile?: string; pgDatabase?: string };
  }
}

/**
 * Runs the committed migrations once per `vitest run`, into a template: a SQLite file that each test
 * server's database starts as a copy of, or a PostgreSQL database each one is created from
 * (CREATE DATABASE … TEMPLATE). Every test server used to migrate its own empty database (18 migrations,
 * about 2 s each on PostgreSQL). Databases that tests want empty (migration, restore and crash tests)
 * still start empty: only `throwawayDatabase({ migrated: true })` copies the template.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const name = `hcp_tpl_${runId}`;
    await adminQuery(adminUrl, `create database ${name}`);
    const orm = await openDatabase({ databaseUrl: databaseUrlOf(adminUrl, name) }, allEntities);
    await orm.close(true);
    project.provide('templates', { runId, pgDatabase: name });
    return async () => {
      // Test databases whose drop had not finished when their worker ended, then the template.
      const left = await adminQuery(adminUrl, `select datname from pg_database where datname like 'hcp_t_${runId}_%'`);
      for (const row of left) await adminQuery(adminUrl, `drop database if exists ${String(row.datname)} with (force)`);
      await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'hcp-template-'));
  const sqliteFile = join(dir, 'template.sqlite');
  const orm = await openDatabase({ sqliteFile }, allEntities);
  // Closing the only connection checkpoints the WAL into the file and removes it: the copy is one file.
  await orm.close(true);
  project.provide('templates', { runId, sqliteFile });
  return async () => rmSync(dir, { recursive: true, force: true });
}
