import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Em } from '../../../server/src/db/orm.js';
import { detectFraudSignals, loadDetectRows, parsePeriod } from '../../../server/src/integrity/fraud.service.js';
import { detectAll, isOutsideHours, parseOpeningHours } from '../../../server/src/integrity/fraud.logic.js';
import { DEMO_CREDENTIALS, seedDemo } from '../../../seeds/seeder.js';
import { sessionToken } from '../../support/fixture.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
const ADMIN = { role: 'admin' as const, label: 'test:admin' };

beforeAll(async () => {
  server = await startTestServer();
  await seedDemo(server.app, { ratings: 20_000, days: 30 });
}, 300_000);
afterAll(async () => {
  await server?.close();
});

describe('fraud signals on the demo city (R18)', () => {
  it('raise no false alarm on clean demo data, whichever month is checked', async () => {
    const em = server.app.orm.em.fork() as Em;
    for (const month of ['2026-10', '2026-11']) {
      const rows = await loadDetectRows(em, parsePeriod(month), null);
      expect(rows.length).toBeGreaterThan(1000);
      const found = detectAll(rows, [], server.app.config.fraud, month);
      expect(found.map((d) => d.explanation)).toEqual([]);
      const report = await detectFraudSignals(server.app, ADMIN, month);
      expect(report, month).toMatchObject({ found: 0, created: 0 });
    }
  });

  it('gives every demo window the default opening hours, and the demo rates at windows only within them (R18: no false alarm)', async () => {
    const em = server.app.orm.em.fork() as Em;
    const windows = await em.execute<Array<{ opening_hours: string; n: number | string }>>(
      'select opening_hours, count(*) as n from service_window group by opening_hours',
    );
    expect(windows.map((w) => w.opening_hours)).toEqual(['1-5 08:30-17:30']);
    const rows = await loadDetectRows(em, parsePeriod('2026-11'), null);
    const hours = parseOpeningHours('1-5 08:30-17:30')!;
    const windowRatings = rows.filter((r) => r.channel === 'WINDOW');
    const off = windowRatings.filter((r) => isOutsideHours(r.ratedAt, hours, server.app.config.fraud.offHoursGraceMinutes));
    console.info(`demo November: ${rows.length} ratings, ${windowRatings.length} at windows, ${off.length} of them outside opening hours (+30 min grace)`);
    expect(windowRatings.length).toBeGreaterThan(0);
    // Counters serve in their opening hours (the seeder takes off-hours services online instead).
    expect(off).toEqual([]);
  });

  it('the demo supervisor detects through GraphQL and finds nothing to review (R18)', async () => {
    const token = await sessionToken(server, DEMO_CREDENTIALS.supervisor.username, DEMO_CREDENTIALS.supervisor.password);
    const res = await server.gql<{ detectFraudSignals: { found: number } }>(
      `mutation { detectFraudSignals(period: "2026-11") { found created } }`,
      {},
      { token },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.detectFraudSignals.found).toBe(0);
    const list = await server.gql<{ fraudSignals: { total: number } }>(`{ fraudSignals { total } }`, {}, { token });
    expect(list.data!.fraudSignals.total).toBe(0);
  });
});
