import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../server/src/common/clock.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { followUp, newService, ratingToken, submit } from '../../support/services.js';

// Follow-ups (追评) are on: the case where a resend used to become a follow-up and be reported as success.
let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer({ followUpDays: 15 });
  fx = await makeFixture(server);
});
afterAll(() => server.close());

let seq = 0;
/** A fresh client-made id, as the rating page makes one per answer. */
const answerId = () => `answer-${Date.now().toString(36)}-${(seq++).toString().padStart(4, '0')}`;
const ratingsOf = (projectNo: string) => countRows(server.app, 'rating r join service s on s.id = r.service_id', 's.project_no = ?', [projectNo]);

describe('resending a rating (R9: never lose one, never count one twice)', () => {
  it('returns the same rating for a resend after the first attempt landed (response lost), with follow-ups enabled, on every channel', async () => {
    const viaToken = await newService(server, fx);
    const atWindow = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const atTerminal = await newService(server, fx, { terminalId: fx.terminal.id });
    const bySystem = await newService(server, fx);
    const token = await ratingToken(server, fx, viaToken);
    const sends: Array<[{ projectNo: string }, Record<string, unknown>, { apiKey?: string }]> = [
      [viaToken, { token, level: 2, tags: ['213'], comment: '等了很久' }, {}],
      [atWindow, { ...atWindow, level: 1, tags: ['115'] }, { apiKey: fx.keys.window }],
      [atTerminal, { ...atTerminal, level: 4 }, { apiKey: fx.keys.terminal }],
      [bySystem, { ...bySystem, level: 5, channel: 'HOTLINE' }, { apiKey: fx.keys.market }],
    ];
    for (const [service, input, auth] of sends) {
      const submissionId = answerId();
      const first = await submit(server, { ...input, submissionId }, auth);
      expect(first.errors).toBeUndefined();
      const total = await rollupTotal(server.app, 'T');
      const cases = await countRows(server.app, 'rect_case');
      // The answer to the first attempt was lost; the client sends the same answer again.
      const again = await submit(server, { ...input, submissionId }, auth);
      expect(again.errors).toBeUndefined();
      expect(again.data!.submitEvaluation).toMatchObject({ id: first.data!.submitEvaluation.id, assessNumber: 1, level: input.level });
      expect(await ratingsOf(service.projectNo)).toBe(1);
      expect(await rollupTotal(server.app, 'T')).toBe(total);
      expect(await countRows(server.app, 'rect_case')).toBe(cases);
    }
  });

  it('returns the stored rating whatever happened in between: token used, token expired, window closed', async () => {
    const service = await newService(server, fx);
    const token = await ratingToken(server, fx, service);
    const submissionId = answerId();
    const first = await submit(server, { token, level: 5, submissionId });
    const bySystem = await newService(server, fx);
    const systemId = answerId();
    const stored = await submit(server, { ...bySystem, level: 4, submissionId: systemId }, { apiKey: fx.keys.market });
    const start = server.clock.now();
    try {
      server.clock.advance(8 * DAY_MS);
      const late = await submit(server, { token, level: 5, submissionId });
      expect(late.data!.submitEvaluation.id).toBe(first.data!.submitEvaluation.id);
      // An expired token finds only what it sent: without the id, or with a new one, it is refused.
      expect(codeOf(await submit(server, { token, level: 5 }))).toBe('TOKEN_EXPIRED');
      expect(codeOf(await submit(server, { token, level: 5, submissionId: answerId() }))).toBe('TOKEN_EXPIRED');
      server.clock.advance(30 * DAY_MS);
      const resent = await submit(server, { ...bySystem, level: 4, submissionId: systemId }, { apiKey: fx.keys.market });
      expect(resent.data!.submitEvaluation.id).toBe(stored.data!.submitEvaluation.id);
    } finally {
      server.clock.set(start);
    }
  });

  it('stores one rating when two tabs submit the same answer at once, and both hear success (R9)', async () => {
    const service = await newService(server, fx);
    const token = await ratingToken(server, fx, service);
    const total = await rollupTotal(server.app, 'T');
    const submissionId = answerId();
    const tabs = await Promise.all([1, 2].map(() => submit(server, { token, level: 4, tags: ['413'], submissionId })));
    expect(tabs.map(codeOf)).toEqual([undefined, undefined]);
    expect(tabs[0]!.data!.submitEvaluation.id).toBe(tabs[1]!.data!.submitEvaluation.id);
    expect(tabs.every((t) => t.data!.submitEvaluation.followUpToken)).toBe(true);
    expect(await ratingsOf(service.projectNo)).toBe(1);
    expect(await rollupTotal(server.app, 'T')).toBe(total + 1);
  });

  it('stores one rating when two tabs each made their own answer: the second hears ALREADY_RATED (R9)', async () => {
    const service = await newService(server, fx);
    const token = await ratingToken(server, fx, service);
    const tabs = await Promise.all([5, 3].map((level) => submit(server, { token, level, submissionId: answerId() })));
    expect(tabs.map((t) => codeOf(t) ?? 'OK').sort()).toEqual(['ALREADY_RATED', 'OK']);
    expect(await ratingsOf(service.projectNo)).toBe(1);
  });

  it('stores one rating when ten sends of one answer by a department system race (R9)', async () => {
    const service = await newService(server, fx);
    const total = await rollupTotal(server.app, 'T');
    const submissionId = answerId();
    const sends = await Promise.all(Array.from({ length: 10 }, () => submit(server, { ...service, level: 5, submissionId }, { apiKey: fx.keys.market })));
    expect(sends.map(codeOf).filter(Boolean)).toEqual([]);
    expect(new Set(sends.map((s) => s.data!.submitEvaluation.id)).size).toBe(1);
    expect(await ratingsOf(service.projectNo)).toBe(1);
    expect(await rollupTotal(server.app, 'T')).toBe(total + 1);
  });

  it('refuses the same submissionId with another service, level or kind (CONFLICT) and says why', async () => {
    const service = await newService(server, fx);
    const other = await newService(server, fx);
    const submissionId = answerId();
    await submit(server, { ...service, level: 5, submissionId }, { apiKey: fx.keys.market });
    const otherLevel = await submit(server, { ...service, level: 2, tags: ['213'], submissionId }, { apiKey: fx.keys.market });
    expect(codeOf(otherLevel)).toBe('CONFLICT');
    expect(otherLevel.errors![0]!.message).toMatch(/already used for another answer \(level 5\).*new submissionId/);
    const otherService = await submit(server, { ...other, level: 5, submissionId }, { apiKey: fx.keys.market });
    expect(codeOf(otherService)).toBe('CONFLICT');
    expect(otherService.errors![0]!.message).toContain(service.projectNo);
    // A follow-up is its own answer: reusing the first rating's id for it is refused, not merged.
    expect(codeOf(await followUp(server, { ...service, level: 5, submissionId }, { apiKey: fx.keys.market }))).toBe('CONFLICT');
    expect(await ratingsOf(other.projectNo)).toBe(0);
    expect(await ratingsOf(service.projectNo)).toBe(1);
  });

  it("keeps each sender's ids apart: another key's rating under the same id is its own (R8, R12)", async () => {
    const market = await newService(server, fx);
    const social = await newService(server, fx, { deptCode: fx.departments.social.creditCode, taskCode: fx.items.pension.taskCode, key: fx.keys.social });
    const submissionId = answerId();
    const a = await submit(server, { ...market, level: 5, submissionId }, { apiKey: fx.keys.market });
    // Another sender cannot fetch a rating by its id: the id is looked up among its own sends only.
    expect(codeOf(await submit(server, { ...market, level: 5, submissionId }, { apiKey: fx.keys.social }))).toBe('FORBIDDEN');
    const b = await submit(server, { ...social, level: 4, submissionId }, { apiKey: fx.keys.social });
    expect(b.errors).toBeUndefined();
    expect(b.data!.submitEvaluation.id).not.toBe(a.data!.submitEvaluation.id);
  });

  it('returns the same follow-up for a resent follow-up (R9)', async () => {
    const service = await newService(server, fx);
    const token = await ratingToken(server, fx, service);
    const link = (await submit(server, { token, level: 4, submissionId: answerId() })).data!.submitEvaluation.followUpToken!;
    const submissionId = answerId();
    const first = await followUp(server, { token: link, level: 2, comment: '材料被退回', submissionId });
    const again = await followUp(server, { token: link, level: 2, comment: '材料被退回', submissionId });
    expect(again.data!.submitFollowUp).toMatchObject({ id: first.data!.submitFollowUp.id, assessNumber: 2 });
    expect(await ratingsOf(service.projectNo)).toBe(2);
    expect(await countRows(server.app, 'rect_case', 'rating_id = ?', [first.data!.submitFollowUp.id])).toBe(1);
  });

  it('takes 8–64 characters of A–Z a–z 0–9 _ - as submissionId and says so otherwise', async () => {
    const service = await newService(server, fx);
    const res = await submit(server, { ...service, level: 5, submissionId: 'abc' }, { apiKey: fx.keys.market });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(/submissionId must be 8–64 characters/);
    expect(await ratingsOf(service.projectNo)).toBe(0);
  });
});
