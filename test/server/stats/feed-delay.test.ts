import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../server/src/common/actor.js';
import { overview, ratingFeed, type FeedBody } from '../../../server/src/stats/stats.service.js';
import { CITY, DISTRICT_A, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';
import { subscribe, wsClient } from '../screen/ws-client.js';

// R12: the live feed of a public screen must not let the staff of a window tell who just gave them a
// bad review. FEED_BAD_DELAY_MINUTES is left at its default (30).
let server: TestServer;
let fx: Fixture;
let good: number;
let bad: number;

const MINUTE = 60_000;
const PUBLIC: Actor = { role: 'public', label: 'public' };
const ids = (feed: FeedBody) => feed.entries.map((e) => e.id);

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
  const rate = async (level: number, extra: Record<string, unknown> = {}) => {
    const service = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const res = await submit(server, { ...service, level, ...extra }, { apiKey: fx.keys.window });
    return res.data!.submitEvaluation.id;
  };
  good = await rate(5);
  bad = await rate(1, { tags: ['115'], comment: '态度差' });
});
afterAll(() => server.close());

describe('the rating feed of public screens (R12)', () => {
  it('holds a bad review back from a public feed for FEED_BAD_DELAY_MINUTES, and never shows window or staff there', async () => {
    const start = server.clock.now();
    const wholeInstallation: Actor = { role: 'screen', label: 'screen:all' };
    try {
      for (const actor of [PUBLIC, wholeInstallation]) {
        const feed = await ratingFeed(server.app, actor, { regionCode: CITY }, 20);
        expect(ids(feed)).toContain(good);
        expect(ids(feed)).not.toContain(bad);
        for (const entry of feed.entries) {
          expect(entry).not.toHaveProperty('windowNo');
          expect(entry).not.toHaveProperty('staffWorkNo');
        }
      }
      server.clock.advance(29 * MINUTE);
      expect(ids(await ratingFeed(server.app, PUBLIC, {}, 20))).not.toContain(bad);
      server.clock.advance(2 * MINUTE);
      const later = await ratingFeed(server.app, PUBLIC, {}, 20);
      expect(ids(later)).toEqual([bad, good]);
      // Entries carry their date, so a screen can show it for entries not from today.
      expect(later.entries[0]!.ratedAt).toBe('2026-11-20T10:00:00+08:00');
      expect(JSON.stringify(later)).not.toMatch(/A01|0101023|王晓明|态度差|张/);
    } finally {
      server.clock.set(start);
    }
  });

  it('shows the department workspace and supervisors every entry at once, with window and staff, never the rater', async () => {
    const officer: Actor = {
      role: 'department',
      label: 'user:market',
      departmentId: fx.departments.market.id,
      departmentPath: fx.departments.market.path,
    };
    const supervisor: Actor = { role: 'supervisor', label: 'user:super', regionCode: CITY };
    for (const actor of [officer, supervisor]) {
      const feed = await ratingFeed(server.app, actor, {}, 20);
      expect(ids(feed)).toEqual([bad, good]);
      expect(feed.entries[0]).toMatchObject({ level: 1, windowNo: 'A01', staffWorkNo: '0101023', itemName: '个体工商户设立登记' });
      expect(JSON.stringify(feed)).not.toMatch(/张|1381234|态度差/);
    }
  });

  it('shows bad reviews on a hall-sized scope only in the counts, however old (district, department, item)', async () => {
    const start = server.clock.now();
    const districtScreen: Actor = { role: 'screen', label: 'screen:district', regionCode: DISTRICT_A };
    const departmentScreen: Actor = { role: 'screen', label: 'screen:market', departmentId: fx.departments.market.id };
    try {
      server.clock.advance(24 * 60 * MINUTE);
      for (const [actor, filter] of [
        [districtScreen, {}],
        [departmentScreen, {}],
        [PUBLIC, { itemId: fx.items.business.id }],
        [PUBLIC, { departmentId: fx.departments.market.id }],
      ] as const) {
        expect(ids(await ratingFeed(server.app, actor, filter, 20))).toEqual([good]);
        expect(await overview(server.app, actor, filter)).toMatchObject({ total: 2, bad: 1 });
      }
      expect(ids(await ratingFeed(server.app, PUBLIC, { regionCode: CITY }, 20))).toEqual([bad, good]);
    } finally {
      server.clock.set(start);
    }
  });
});

describe('a live public feed (R12)', () => {
  let quick: TestServer;
  beforeAll(async () => {
    // A delay of 300 ms so that the hub's own timer is seen firing; the manual clock moves past it.
    quick = await startTestServer({ feedBadDelayMinutes: 0.005 });
  });
  afterAll(() => quick.close());

  it('brings a held-back bad review onto the screen once it falls due, with no new rating, and keeps it off a hall screen', async () => {
    const qfx = await makeFixture(quick);
    const service = await newService(quick, qfx);
    const rated = await submit(quick, { ...service, level: 2, tags: ['214'] }, { apiKey: qfx.keys.market });
    const badId = rated.data!.submitEvaluation.id;
    const admin = await sessionToken(quick, 'admin', 'admin-pass');
    const issued = await quick.gql<{ issueScreenToken: { token: string } }>(
      operation('issue-screen-token'),
      { kind: 'SCREEN', label: '东城区政务服务中心大屏', regionCode: DISTRICT_A },
      { token: admin },
    );
    const feedQuery = operation('screen-feed');
    type Feed = { ratingFeed: { entries: Array<{ id: number; ratedAt: string }> } };
    const city = wsClient(quick.url);
    const hall = wsClient(quick.url, { authorization: `Bearer ${issued.data!.issueScreenToken.token}` });
    const citySub = subscribe<Feed>(city, feedQuery, { filter: { regionCode: CITY }, limit: 8 });
    const hallSub = subscribe<Feed>(hall, feedQuery, { limit: 8 });
    try {
      expect((await citySub.next()).data!.ratingFeed.entries).toEqual([]);
      expect((await hallSub.next()).data!.ratingFeed.entries).toEqual([]);
      quick.clock.advance(MINUTE);
      const due = await citySub.next();
      expect(due.data!.ratingFeed.entries.map((e) => e.id)).toEqual([badId]);
      expect(due.data!.ratingFeed.entries[0]!.ratedAt).toMatch(/^2026-11-20T/);
      // The hall screen's snapshot did not change: nothing more is sent to it.
      const officer = await ratingFeed(quick.app, { role: 'admin', label: 'user:admin' }, { regionCode: DISTRICT_A }, 8);
      expect(ids(officer)).toEqual([badId]);
      const hallAgain = await ratingFeed(quick.app, { role: 'screen', label: 'screen:d', regionCode: DISTRICT_A }, {}, 8);
      expect(hallAgain.entries).toEqual([]);
    } finally {
      citySub.dispose();
      hallSub.dispose();
      await city.dispose();
      await hall.dispose();
    }
  });
});
