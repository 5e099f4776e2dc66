import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../server/src/common/clock.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { rollupTotal } from '../../support/rollups.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer({ followUpDays: 15 });
  fx = await makeFixture(server);
});
afterAll(() => server.close());

describe('follow-up rating 追评 (R9)', () => {
  it('accepts one follow-up where the setting allows it, counted as a follow-up and not as a second rating', async () => {
    const service = await newService(server, fx);
    await submit(server, { ...service, level: 4 }, { apiKey: fx.keys.market });
    const total = await rollupTotal(server.app, 'T');
    const follow = await submit(server, { ...service, level: 2, comment: '后来发现材料被要求重复提交' }, { apiKey: fx.keys.market });
    expect(follow.data!.submitEvaluation.assessNumber).toBe(2);
    expect(await rollupTotal(server.app, 'T')).toBe(total);
    expect(codeOf(await submit(server, { ...service, level: 1, comment: '第三次' }, { apiKey: fx.keys.market }))).toBe('ALREADY_RATED');
  });

  it('counts the follow-up period from the rating, past the first-rating window, and closes it after the set days', async () => {
    const start = server.clock.now();
    const early = await newService(server, fx);
    const late = await newService(server, fx);
    await submit(server, { ...early, level: 5 }, { apiKey: fx.keys.market });
    await submit(server, { ...late, level: 5 }, { apiKey: fx.keys.market });
    try {
      server.clock.advance(10 * DAY_MS);
      expect((await submit(server, { ...early, level: 4 }, { apiKey: fx.keys.market })).data!.submitEvaluation.assessNumber).toBe(2);
      server.clock.advance(6 * DAY_MS);
      const closed = await submit(server, { ...late, level: 3 }, { apiKey: fx.keys.market });
      expect(codeOf(closed)).toBe('RATING_WINDOW_CLOSED');
      expect(closed.errors![0]!.message).toContain('follow-up');
    } finally {
      server.clock.set(start);
    }
  });
});
