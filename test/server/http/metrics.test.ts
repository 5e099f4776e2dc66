import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer({ metricsToken: 'scrape-secret-123' });
  fx = await makeFixture(server);
});
afterAll(() => server.close());

const scrape = (token?: string) => fetch(`${server.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

function value(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : NaN;
}

describe('/metrics (Prometheus text format)', () => {
  it('needs the scrape token', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape('wrong')).status).toBe(401);
  });

  it('counts stored ratings, refusals by code and group commits', async () => {
    const before = await (await scrape('scrape-secret-123')).text();
    const service = await newService(server, fx);
    await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.market });
    await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.market }); // ALREADY_RATED
    const res = await scrape('scrape-secret-123');
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const after = await res.text();
    expect(value(after, 'hcp_ratings_stored_total') - (value(before, 'hcp_ratings_stored_total') || 0)).toBe(1);
    expect(value(after, 'hcp_graphql_errors_total{code="ALREADY_RATED"}')).toBe(1);
    expect(value(after, 'hcp_group_commit_jobs_total')).toBeGreaterThan(value(before, 'hcp_group_commit_jobs_total'));
    for (const name of [
      'hcp_live_topics',
      'hcp_live_subscribers',
      'hcp_outbox_backlog',
      'hcp_event_loop_lag_seconds',
      'hcp_ws_connections',
      'hcp_live_frames_skipped_total',
    ]) {
      expect(after).toContain(`# TYPE ${name} `);
      expect(Number.isFinite(value(after, name))).toBe(true);
    }
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  it('does not exist', async () => {
    const plain = await startTestServer();
    try {
      expect((await fetch(`${plain.url}/metrics`)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
