import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../../server/src/db/checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('WAL checkpoints on their own thread (SQLite)', () => {
  it("copy what the server wrote into the database file without the server's connection doing it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcp-ckpt-'));
    dirs.push(dir);
    const file = join(dir, 'db.sqlite');
    const server = new Database(file);
    server.pragma('journal_mode = WAL');
    server.pragma('wal_autocheckpoint = 0'); // the server's connection never checkpoints here
    server.exec('create table t (id integer primary key, v text)');
    const insert = server.prepare('insert into t (v) values (?)');
    server.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run('x'.repeat(200));
    })();
    const before = statSync(file).size;
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(400_000);

    const checkpointer = startCheckpointer(file, 20);
    try {
      const deadline = Date.now() + 5000;
      while (statSync(file).size <= before + 400_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(statSync(file).size).toBeGreaterThan(before + 400_000);
      // The server goes on writing while the thread checkpoints, and reads what it wrote.
      insert.run('after');
      expect(server.prepare('select count(*) as n from t').get()).toEqual({ n: 2001 });
    } finally {
      await checkpointer.stop();
      server.close();
    }
  });
});
