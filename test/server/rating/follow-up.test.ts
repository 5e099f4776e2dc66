import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../server/src/common/clock.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { followUp, newService, ratingToken, submit } from '../../support/services.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer({ followUpDays: 15 });
  fx = await makeFixture(server);
});
afterAll(() => server.close());

const ratingsOf = (projectNo: string) => countRows(server.app, 'rating r join service s on s.id = r.service_id', 's.project_no = ?', [projectNo]);

describe('follow-up rating 追评 (R9)', () => {
  it('accepts one follow-up where the setting allows it, counted as a follow-up and not as a second rating', async () => {
    const service = await newService(server, fx);
    await submit(server, { ...service, level: 4 }, { apiKey: fx.keys.market });
    const total = await rollupTotal(server.app, 'T');
    const follow = await followUp(server, { ...service, level: 2, comment: '后来发现材料被要求重复提交' }, { apiKey: fx.keys.market });
    expect(follow.data!.submitFollowUp.assessNumber).toBe(2);
    expect(await rollupTotal(server.app, 'T')).toBe(total);
    expect(codeOf(await followUp(server, { ...service, level: 1, comment: '第三次' }, { apiKey: fx.keys.market }))).toBe('ALREADY_RATED');
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
      expect((await followUp(server, { ...early, level: 4 }, { apiKey: fx.keys.market })).data!.submitFollowUp.assessNumber).toBe(2);
      server.clock.advance(6 * DAY_MS);
      const closed = await followUp(server, { ...late, level: 3 }, { apiKey: fx.keys.market });
      expect(codeOf(closed)).toBe('RATING_WINDOW_CLOSED');
      expect(closed.errors![0]!.message).toContain('follow-up');
    } finally {
      server.clock.set(start);
    }
  });

  it('refuses a second first rating of the same service through a device or system key while follow-ups are enabled, and stores nothing (R9)', async () => {
    const atWindow = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    expect((await submit(server, { ...atWindow, level: 5 }, { apiKey: fx.keys.window })).errors).toBeUndefined();
    const bySystem = await newService(server, fx);
    expect((await submit(server, { ...bySystem, level: 4 }, { apiKey: fx.keys.market })).errors).toBeUndefined();
    const total = await rollupTotal(server.app, 'T');
    const cases = await countRows(server.app, 'rect_case');

    const again = await submit(server, { ...atWindow, level: 1, comment: '再按一次' }, { apiKey: fx.keys.window });
    expect(codeOf(again)).toBe('ALREADY_RATED');
    expect(again.errors![0]!.message).toContain('submitFollowUp');
    expect(codeOf(await submit(server, { ...bySystem, level: 2, tags: ['213'] }, { apiKey: fx.keys.market }))).toBe('ALREADY_RATED');

    expect(await ratingsOf(atWindow.projectNo)).toBe(1);
    expect(await ratingsOf(bySystem.projectNo)).toBe(1);
    expect(await rollupTotal(server.app, 'T')).toBe(total);
    expect(await countRows(server.app, 'rect_case')).toBe(cases);
    // The follow-up is the device's own step, naming the service, at its own window only (R8).
    expect(codeOf(await followUp(server, { ...atWindow, level: 3 }, { apiKey: fx.keys.otherWindow }))).toBe('FORBIDDEN');
    const deviceFollowUp = await followUp(server, { ...atWindow, level: 3 }, { apiKey: fx.keys.window });
    expect(deviceFollowUp.data!.submitFollowUp).toMatchObject({ assessNumber: 2, channel: 'WINDOW' });
  });

  it('gives the rater a follow-up link with the first rating; the rating token stays single-use and the link takes one follow-up (R7, R9)', async () => {
    const service = await newService(server, fx);
    const token = await ratingToken(server, fx, service);
    const first = await submit(server, { token, level: 5 });
    const link = first.data!.submitEvaluation.followUpToken!;
    expect(link).toBeTruthy();
    expect(new Date(first.data!.submitEvaluation.followUpUntil!).getTime()).toBe(server.clock.now().getTime() + 15 * DAY_MS);
    // The receipt token rates once; a second first rating is never a follow-up.
    expect(codeOf(await submit(server, { token, level: 1, comment: '又评一次' }))).toBe('ALREADY_RATED');
    // A follow-up needs the follow-up link: not the receipt token, not an anonymous call.
    expect(codeOf(await followUp(server, { token, level: 2, comment: '追评' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await followUp(server, { ...service, level: 2, comment: '追评' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await followUp(server, { ...service, level: 2, comment: '追评' }, { token }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await submit(server, { token: link, level: 2, comment: '追评' }))).toBe('UNAUTHENTICATED');
    // The rating page shows the service for the follow-up link as for the receipt token.
    const ticket = await server.gql<{ ratingTicket: { projectNo: string; rated: boolean } }>(operation('rating-ticket'), { token: link });
    expect(ticket.data!.ratingTicket).toMatchObject({ projectNo: service.projectNo, rated: true });

    const follow = await followUp(server, { token: link, level: 2, comment: '回家后发现证照有误' });
    expect(follow.data!.submitFollowUp).toMatchObject({ assessNumber: 2, level: 2, channel: 'QR', projectNo: service.projectNo });
    expect(codeOf(await followUp(server, { token: link, level: 1, comment: '再追评' }))).toBe('ALREADY_RATED');
    expect(await ratingsOf(service.projectNo)).toBe(2);
  });

  it('gives no follow-up link to devices and systems, which name the service instead, nor where follow-ups are off (R9)', async () => {
    const service = await newService(server, fx);
    const bySystem = await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.market });
    expect(bySystem.data!.submitEvaluation.followUpToken).toBeNull();
    const off = await startTestServer();
    try {
      const offFx = await makeFixture(off);
      const s = await newService(off, offFx);
      const rated = await submit(off, { token: await ratingToken(off, offFx, s), level: 5 });
      expect(rated.data!.submitEvaluation.followUpToken).toBeNull();
      expect(codeOf(await followUp(off, { ...s, level: 4 }, { apiKey: offFx.keys.market }))).toBe('RATING_WINDOW_CLOSED');
    } finally {
      await off.close();
    }
  });

  it('lets a department system issue the follow-up link for a rated service of its own, and only then (R9)', async () => {
    const service = await newService(server, fx);
    const issue = (key: string) =>
      server.gql<{ issueFollowUpToken: { token: string; path: string } }>(operation('issue-follow-up-token'), service, { apiKey: key });
    expect(codeOf(await issue(fx.keys.market))).toBe('NOT_FOUND');
    await submit(server, { ...service, level: 4 }, { apiKey: fx.keys.market });
    expect(codeOf(await issue(fx.keys.social))).toBe('FORBIDDEN');
    const issued = await issue(fx.keys.market);
    expect(issued.data!.issueFollowUpToken.path).toBe(`/followup?t=${encodeURIComponent(issued.data!.issueFollowUpToken.token)}`);
    const follow = await followUp(server, { token: issued.data!.issueFollowUpToken.token, level: 5 });
    expect(follow.data!.submitFollowUp.assessNumber).toBe(2);
    expect(codeOf(await issue(fx.keys.market))).toBe('ALREADY_RATED');
  });
});
