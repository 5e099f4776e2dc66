import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoTryLimiter, demoProjectNo, demoTryRefusal } from '../../../server/src/case/demo-ticket.logic.js';
import type { Em } from '../../../server/src/db/orm.js';
import { MetaSchema } from '../../../server/src/db/meta.entity.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { submit } from '../../support/services.js';

type Ticket = { tryDemoRating: { projectNo: string; serviceNumber: number; itemName: string; departmentName: string; token: string; path: string } };

async function markDemo(server: TestServer): Promise<void> {
  const em = server.app.orm.em.fork() as Em;
  await em.upsert(MetaSchema, { key: 'demo', value: 'true' });
}

describe('try a rating (demo data only): rules', () => {
  it('is refused in production and on real data', () => {
    expect(demoTryRefusal({ production: false, demo: true })).toBeNull();
    expect(demoTryRefusal({ production: true, demo: true })).toMatch(/production/);
    expect(demoTryRefusal({ production: false, demo: false })).toMatch(/demo data/);
  });

  it('counts tries per minute', () => {
    const limiter = new DemoTryLimiter(2, 60_000);
    expect([limiter.take(0), limiter.take(10), limiter.take(20)]).toEqual([true, true, false]);
    expect(limiter.take(60_000)).toBe(true);
  });

  it('names the invented case DEMO-… within the 50 characters a projectNo may have', () => {
    expect(demoProjectNo(Date.UTC(2026, 10, 20), () => 0.5)).toMatch(/^DEMO-[0-9A-Z]+-[0-9A-Z]{4}$/);
    expect(demoProjectNo(Date.now()).length).toBeLessThanOrEqual(50);
  });
});

describe('tryDemoRating', () => {
  let server: TestServer;
  let fx: Fixture;

  beforeAll(async () => {
    server = await startTestServer();
    fx = await makeFixture(server);
  });
  afterAll(() => server.close());

  it('is FORBIDDEN while the installation holds real data', async () => {
    const res = await server.gql(operation('try-demo-rating'));
    expect(codeOf(res)).toBe('FORBIDDEN');
  });

  it('registers an invented service at a hall window department and issues its receipt token, which rates it once (R7, R9)', async () => {
    await markDemo(server);
    const res = await server.gql<Ticket>(operation('try-demo-rating'));
    expect(res.errors).toBeUndefined();
    const ticket = res.data!.tryDemoRating;
    expect(ticket).toMatchObject({ serviceNumber: 1, itemName: fx.items.business.name, departmentName: fx.departments.market.name });
    expect(ticket.projectNo).toMatch(/^DEMO-/);
    expect(ticket.path).toBe(`/rate?t=${encodeURIComponent(ticket.token)}`);
    const shown = await server.gql<{ ratingTicket: { projectNo: string; rated: boolean } }>(operation('rating-ticket'), { token: ticket.token });
    expect(shown.data!.ratingTicket).toMatchObject({ projectNo: ticket.projectNo, rated: false });
    const rated = await submit(server, { token: ticket.token, level: 5 });
    expect(rated.data!.submitEvaluation).toMatchObject({ projectNo: ticket.projectNo, channel: 'QR' });
    expect(codeOf(await submit(server, { token: ticket.token, level: 5 }))).toBe('ALREADY_RATED');
  });

  it('gives each try its own service, and at most 30 a minute per server', async () => {
    const a = await server.gql<Ticket>(operation('try-demo-rating'));
    const b = await server.gql<Ticket>(operation('try-demo-rating'));
    expect(a.data!.tryDemoRating.projectNo).not.toBe(b.data!.tryDemoRating.projectNo);
    while (server.app.demoTries.take(server.clock.now().getTime()));
    const res = await server.gql(operation('try-demo-rating'));
    expect(codeOf(res)).toBe('RATE_LIMITED');
  });
});

describe('tryDemoRating in production', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ production: true });
    await makeFixture(server);
    await markDemo(server);
  });
  afterAll(() => server.close());

  it('is FORBIDDEN even with the demo data loaded (NODE_ENV=production)', async () => {
    const res = await server.gql(operation('try-demo-rating'));
    expect(codeOf(res)).toBe('FORBIDDEN');
    expect(res.errors![0]!.message).toMatch(/production/);
  });
});
