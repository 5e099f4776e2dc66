import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';

// Ratings that arrive together share one transaction (one commit, one fsync, one merged counter
// upsert): the larger the group, the less each rating costs. A request's last steps before it joins
// can land one turn of the event loop after the first rating of its group.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const job = (value: string) => server.app.groupCommit.run(async () => ({ value }));
const nextTurn = () => new Promise<void>((done) => setImmediate(done));

describe('group commit', () => {
  // On PostgreSQL the jobs waiting are shared out among its free slots (two groups of one here), so
  // only SQLite shows which transaction a job joined.
  it.runIf(!process.env.DATABASE_URL)('writes in one transaction the jobs that arrive within a turn of the event loop after the first', async () => {
    const before = server.app.groupCommit.stats.groups;
    let secondQueued = false;
    const first = server.app.groupCommit.run(async () => ({ value: secondQueued }));
    await nextTurn();
    secondQueued = true;
    const second = job('b');
    // The first job's work ran after the second had joined: its group had not started.
    expect(await Promise.all([first, second])).toEqual([true, 'b']);
    expect(server.app.groupCommit.stats.groups - before).toBe(1);
  });

  it('commits a job that arrives alone in a transaction of its own', async () => {
    const before = server.app.groupCommit.stats.groups;
    expect(await job('alone')).toBe('alone');
    expect(server.app.groupCommit.stats.groups - before).toBe(1);
  });
});
