import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Em } from '../../../server/src/db/orm.js';
import { inlined } from '../../../server/src/db/pg-fold.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

// On PostgreSQL a group commit's BEGIN goes with its first statement and its last write (outbox rows and
// counter upserts) with its COMMIT, the statements' values written into the text as literals. A rating is
// acknowledged only after that COMMIT succeeded; a last write that fails rolls everything back.

describe('statement values written as literals', () => {
  it('quotes every value as pg binds it, and refuses what it cannot write safely', () => {
    expect(inlined('select * from t where a = $1 and b = $2 and c = $3 and d = $4', ["it's", 5, true, null])).toBe(
      "select * from t where a = 'it''s' and b = '5' and c = 'true' and d = null",
    );
    expect(inlined('insert into t (a) values ($1)', ['a\\b'])).toBe("insert into t (a) values ( E'a\\\\b')");
    expect(inlined('select $2, $1', ['x', 'y'])).toBe("select 'y', 'x'");
    expect(
      inlined(
        'select $10',
        Array.from({ length: 10 }, (_, i) => i + 1),
      ),
    ).toBe("select '10'");
    // Quoted text, comments and dollar quotes could hide a placeholder; so could binary or NUL values.
    expect(inlined("select 'a' || $1", ['b'])).toBeNull();
    expect(inlined('select $1 -- note', ['b'])).toBeNull();
    expect(inlined('select $1, $2', ['a'])).toBeNull();
    expect(inlined('select $1', ['a', 'b'])).toBeNull();
    expect(inlined('select $1 /* note */', ['b'])).toBeNull();
    expect(inlined('select $$x$$ || $1', ['b'])).toBeNull();
    expect(inlined('select $1', [Buffer.from('x')])).toBeNull();
    expect(inlined('select $1', [new Date()])).toBeNull();
    expect(inlined('select $1', ['a\0b'])).toBeNull();
    expect(inlined('select $2', ['only one'])).toBeNull();
    expect(inlined('select 1', ['unused'])).toBeNull();
  });
});

let server: TestServer;
let fx: Fixture;
const pg = !!process.env.DATABASE_URL;

beforeAll(async () => {
  if (!pg) return;
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server?.close());

const run = (sql: string) => (server.app.orm.em.fork() as Em).execute(sql, [], 'run');

describe.skipIf(!pg)('a group commit whose last write fails at COMMIT (PostgreSQL)', () => {
  it('runs the group again after a deadlock met by the last write and counts each rating once (R9, R26)', async () => {
    const services = await Promise.all(Array.from({ length: 6 }, () => newService(server, fx)));
    const total = await rollupTotal(server.app, 'T');
    const records = await countRows(server.app, 'outbox', `topic = 'exchange.evaluation'`);
    // The first counter upsert of the next group fails as a deadlock would; the retry passes.
    await run('create sequence fold_deadlock_seq');
    await run(
      `create function fold_deadlock() returns trigger language plpgsql as $body$ begin ` +
        `if nextval('fold_deadlock_seq') = 1 then raise exception 'simulated deadlock' using errcode = '40P01'; end if; return new; end $body$`,
    );
    await run('create trigger fold_deadlock before insert on rollup_total for each row execute function fold_deadlock()');
    try {
      const results = await Promise.all(services.map((s) => submit(server, { ...s, level: 5 }, { apiKey: fx.keys.market })));
      expect(results.filter((r) => r.errors)).toEqual([]);
      const ids = results.map((r) => r.data!.submitEvaluation.id);
      expect(await countRows(server.app, 'rating', `id in (${ids.join(', ')})`)).toBe(6);
      // The trigger ran again after the refused first attempt: the group was run again.
      const [seq] = await (server.app.orm.em.fork() as Em).execute<Array<{ n: string | number }>>('select last_value as n from fold_deadlock_seq');
      expect(Number(seq!.n)).toBeGreaterThan(1);
    } finally {
      await run('drop trigger fold_deadlock on rollup_total');
    }
    expect(await rollupTotal(server.app, 'T')).toBe(total + 6);
    expect(await countRows(server.app, 'outbox', `topic = 'exchange.evaluation'`)).toBe(records + 6);
  });

  it('refuses every rating of the group, stores none of them and leaves no connection inside a transaction (R9)', async () => {
    const services = await Promise.all(Array.from({ length: 6 }, () => newService(server, fx)));
    const total = await rollupTotal(server.app, 'T');
    const ratings = await countRows(server.app, 'rating');
    const records = await countRows(server.app, 'outbox', `topic = 'exchange.evaluation'`);
    await run(`create function fold_fail() returns trigger language plpgsql as $body$ begin raise exception 'simulated failure'; end $body$`);
    await run('create trigger fold_fail before insert on rollup_total for each row execute function fold_fail()');
    try {
      const results = await Promise.all(services.map((s) => submit(server, { ...s, level: 5 }, { apiKey: fx.keys.market })));
      expect(results.filter((r) => !r.errors)).toEqual([]);
    } finally {
      await run('drop trigger fold_fail on rollup_total');
    }
    expect(await countRows(server.app, 'rating')).toBe(ratings);
    expect(await rollupTotal(server.app, 'T')).toBe(total);
    expect(await countRows(server.app, 'outbox', `topic = 'exchange.evaluation'`)).toBe(records);
    const idle = await (server.app.orm.em.fork() as Em).execute<Array<{ n: string | number }>>(
      `select count(*) as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
    );
    expect(Number(idle[0]!.n)).toBe(0);
    // The same services can be rated now: nothing of the failed group was kept.
    const again = await Promise.all(services.map((s) => submit(server, { ...s, level: 4 }, { apiKey: fx.keys.market })));
    expect(again.filter((r) => r.errors)).toEqual([]);
    expect(await rollupTotal(server.app, 'T')).toBe(total + 6);
    expect(await countRows(server.app, 'outbox', `topic = 'exchange.evaluation'`)).toBe(records + 6);
  });
  it('stores hostile text in the folded statements as data, never as SQL (R12, R26)', async () => {
    const ratings = await countRows(server.app, 'rating');
    // The first statement (the target select) carries the sent projectNo as a literal.
    const hostile = `x'); drop table rating; -- \\' $1 ? $$q$$`;
    const missing = await submit(server, { projectNo: hostile, serviceNumber: 1, level: 5 }, { apiKey: fx.keys.market });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await countRows(server.app, 'rating')).toBe(ratings);
    // The last write (outbox rows with the rating's record) carries the comment as a literal.
    const comment = `it's \\'; drop table outbox; -- $1 ? $$q$$ 办得好`;
    const service = await newService(server, fx);
    const stored = await submit(server, { ...service, level: 4, comment }, { apiKey: fx.keys.market });
    expect(stored.errors).toBeUndefined();
    const id = stored.data!.submitEvaluation.id;
    const db = server.app.orm.em.fork() as Em;
    const [rating] = await db.execute<Array<{ comment: string }>>('select comment from rating where id = ?', [id]);
    expect(rating!.comment).toBe(comment);
    const [record] = await db.execute<Array<{ payload: string }>>(`select payload from outbox where topic = 'exchange.evaluation' order by id desc limit 1`);
    expect(record!.payload).toContain(JSON.stringify(comment).slice(1, -1));
    expect(await countRows(server.app, 'rating')).toBe(ratings + 1);
  });
});
