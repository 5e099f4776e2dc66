import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../server/src/common/clock.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, ratingToken, registerService, submit } from '../../support/services.js';
import { operation } from '../../support/operations.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server.close());

describe('submitEvaluation', () => {
  it('stores a rating made through the receipt QR token and counts it once (R9, R7)', async () => {
    const service = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const token = await ratingToken(server, fx, service);
    const before = await rollupTotal(server.app, 'T');
    const res = await submit(server, { token, level: 5, tags: ['510', '517'], comment: '很快' });
    expect(res.errors).toBeUndefined();
    expect(res.data!.submitEvaluation).toMatchObject({ level: 5, assessNumber: 1, channel: 'QR', pf: 3, raterName: '张*三', raterMobile: '138****1234' });
    expect(await rollupTotal(server.app, 'T')).toBe(before + 1);
  });

  it('rejects a second rating of the same service and counts nothing (R9)', async () => {
    const service = await newService(server, fx);
    expect((await submit(server, { ...service, level: 4 }, { apiKey: fx.keys.market })).errors).toBeUndefined();
    const before = await rollupTotal(server.app, 'T');
    const ratings = await countRows(server.app, 'rating');
    const again = await submit(server, { ...service, level: 1, comment: '再评' }, { apiKey: fx.keys.market });
    expect(codeOf(again)).toBe('ALREADY_RATED');
    expect(again.errors![0]!.message).toContain(service.projectNo);
    expect(await rollupTotal(server.app, 'T')).toBe(before);
    expect(await countRows(server.app, 'rating')).toBe(ratings);
  });

  it('accepts a rating token only once (R7)', async () => {
    const service = await newService(server, fx);
    const token = await ratingToken(server, fx, service);
    expect((await submit(server, { token, level: 5 })).errors).toBeUndefined();
    expect(codeOf(await submit(server, { token, level: 5 }))).toBe('ALREADY_RATED');
  });

  it('stores exactly one rating when ten submissions for one service arrive at once (R9)', async () => {
    const service = await newService(server, fx);
    const before = await rollupTotal(server.app, 'T');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => submit(server, { ...service, level: 5 - (i % 2) }, { apiKey: fx.keys.market })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'ALREADY_RATED')).toHaveLength(9);
    expect(await countRows(server.app, 'rating r join service s on s.id = r.service_id', 's.project_no = ?', [service.projectNo])).toBe(1);
    expect(await rollupTotal(server.app, 'T')).toBe(before + 1);
  });

  it('ratings arriving together commit together, and a refused one takes back only itself (R9, R13)', async () => {
    const good = await Promise.all(Array.from({ length: 6 }, () => newService(server, fx)));
    const bad = await newService(server, fx);
    const untagged = await newService(server, fx);
    const key = { apiKey: fx.keys.market };
    const before = {
      total: await rollupTotal(server.app, 'T'),
      ratings: await countRows(server.app, 'rating'),
      cases: await countRows(server.app, 'rect_case'),
    };
    const results = await Promise.all([
      ...good.map((s) => submit(server, { ...s, level: 5 }, key)),
      submit(server, { ...good[0]!, level: 4 }, key),
      submit(server, { projectNo: 'NO-SUCH-CASE', serviceNumber: 1, level: 5 }, key),
      submit(server, { ...untagged, level: 1 }, key),
      submit(server, { ...bad, level: 2, tags: ['213'], comment: '窗口无人' }, key),
    ]);
    const outcome = results.map((r) => codeOf(r) ?? 'OK');
    // The two ratings of good[0] race (on PostgreSQL in groups side by side): exactly one wins.
    expect([outcome[0], outcome[6]].sort()).toEqual(['ALREADY_RATED', 'OK']);
    expect([...outcome.slice(1, 6), ...outcome.slice(7)]).toEqual([...good.slice(1).map(() => 'OK'), 'NOT_FOUND', 'TAG_OR_COMMENT_REQUIRED', 'OK']);
    expect(await countRows(server.app, 'rating')).toBe(before.ratings + 7);
    expect(await rollupTotal(server.app, 'T')).toBe(before.total + 7);
    expect(await countRows(server.app, 'service', 'project_no = ? and rating_id is not null', [untagged.projectNo])).toBe(0);
    expect(await countRows(server.app, 'rect_case')).toBe(before.cases + 1);
  });

  it('needs a known service record (R9: 没有对应的服务数据)', async () => {
    const before = await countRows(server.app, 'rating');
    const res = await submit(server, { projectNo: 'NO-SUCH-CASE', serviceNumber: 1, level: 5 }, { apiKey: fx.keys.market });
    expect(codeOf(res)).toBe('NOT_FOUND');
    expect(await countRows(server.app, 'rating')).toBe(before);
  });

  it('requires a tag or a comment on a bad review and stores nothing without one (R9)', async () => {
    const service = await newService(server, fx);
    const before = await rollupTotal(server.app, 'T');
    const res = await submit(server, { ...service, level: 2 }, { apiKey: fx.keys.market });
    expect(codeOf(res)).toBe('TAG_OR_COMMENT_REQUIRED');
    expect(await rollupTotal(server.app, 'T')).toBe(before);
    const withTag = await submit(server, { ...service, level: 2, tags: ['213'] }, { apiKey: fx.keys.market });
    expect(withTag.errors).toBeUndefined();
    expect(await rollupTotal(server.app, 'T')).toBe(before + 1);
  });

  it('accepts only the five levels (R2) and tags of the chosen level', async () => {
    const service = await newService(server, fx);
    const level7 = await submit(server, { ...service, level: 7 }, { apiKey: fx.keys.market });
    expect(codeOf(level7)).toBe('BAD_USER_INPUT');
    expect(level7.errors![0]!.message).toBe('level must be an integer 1–5 (5 = 非常满意), got 7');
    const wrongTag = await submit(server, { ...service, level: 5, tags: ['115'] }, { apiKey: fx.keys.market });
    expect(codeOf(wrongTag)).toBe('BAD_USER_INPUT');
    expect(wrongTag.errors![0]!.message).toContain('tag 115');
    const unknownTag = await submit(server, { ...service, level: 5, tags: ['501'] }, { apiKey: fx.keys.market });
    expect(codeOf(unknownTag)).toBe('BAD_USER_INPUT');
    expect(await countRows(server.app, 'service', 'project_no = ? and rating_id is not null', [service.projectNo])).toBe(0);
  });

  it('stores per-dimension levels of the seven dimensions (R3)', async () => {
    const service = await newService(server, fx);
    const bad = await submit(server, { ...service, level: 4, dimensions: [{ key: 'speed', level: 4 }] }, { apiKey: fx.keys.market });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const res = await submit(
      server,
      {
        ...service,
        level: 4,
        dimensions: [
          { key: 'attitude', level: 5 },
          { key: 'efficiency', level: 3 },
        ],
      },
      { apiKey: fx.keys.market },
    );
    expect(res.data!.submitEvaluation.dimensions).toEqual([
      { key: 'attitude', level: 5 },
      { key: 'efficiency', level: 3 },
    ]);
  });

  it('records the channel of every rating: window evaluator and terminal speak only for themselves (R5, R7)', async () => {
    const atWindow = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const other = await submit(server, { ...atWindow, level: 5 }, { apiKey: fx.keys.otherWindow });
    expect(codeOf(other)).toBe('FORBIDDEN');
    const res = await submit(server, { ...atWindow, level: 5 }, { apiKey: fx.keys.window });
    expect(res.data!.submitEvaluation).toMatchObject({ channel: 'WINDOW', pf: 4 });
    const atTerminal = await newService(server, fx, { terminalId: fx.terminal.id });
    const viaTerminal = await submit(server, { ...atTerminal, level: 4 }, { apiKey: fx.keys.terminal });
    expect(viaTerminal.data!.submitEvaluation).toMatchObject({ channel: 'TERMINAL', pf: 5 });
    const hotline = await newService(server, fx);
    const viaHotline = await submit(server, { ...hotline, level: 3, channel: 'HOTLINE' }, { apiKey: fx.keys.market });
    expect(viaHotline.data!.submitEvaluation).toMatchObject({ channel: 'HOTLINE', pf: 6 });
    const spoofed = await newService(server, fx, { windowId: fx.window.id });
    expect(codeOf(await submit(server, { ...spoofed, level: 5, channel: 'HOTLINE' }, { apiKey: fx.keys.window }))).toBe('BAD_USER_INPUT');
  });

  it('lets a department system rate only its own services (R8)', async () => {
    const service = await newService(server, fx);
    const res = await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.social });
    expect(codeOf(res)).toBe('FORBIDDEN');
  });

  it('rates each service node of a case once: per visit offline, per matter online (R6)', async () => {
    const first = await newService(server, fx);
    const second = await newService(server, fx, { projectNo: first.projectNo, serviceNumber: 2 });
    expect((await submit(server, { ...first, level: 5 }, { apiKey: fx.keys.market })).errors).toBeUndefined();
    expect((await submit(server, { ...second, level: 4 }, { apiKey: fx.keys.market })).errors).toBeUndefined();
    expect(await countRows(server.app, 'rating r join service s on s.id = r.service_id', 's.project_no = ?', [first.projectNo])).toBe(2);
  });

  it('counts the rating for the item, the staff member, the department and every region above (R1, R4)', async () => {
    const service = await newService(server, fx, { staffNo: fx.staff.workNo });
    const scopes = [
      'T',
      'R:410000000000',
      'R:419900000000',
      'R:419901000000',
      `D:${fx.departments.market.id}`,
      `I:${fx.items.business.id}`,
      `S:${fx.staff.id}`,
    ];
    const before = await Promise.all(scopes.map((s) => rollupTotal(server.app, s)));
    await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.market });
    const after = await Promise.all(scopes.map((s) => rollupTotal(server.app, s)));
    expect(after.map((n, i) => n - before[i]!)).toEqual(scopes.map(() => 1));
    expect(await rollupTotal(server.app, 'R:419902000000')).toBe(0);
  });
});

describe('rating window (R9, R11)', () => {
  it('closes the window 7 days after completion', async () => {
    const completed = new Date(server.clock.now().getTime() - 8 * DAY_MS).toISOString();
    const service = await newService(server, fx, { resultDate: completed });
    const res = await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.market });
    expect(codeOf(res)).toBe('RATING_WINDOW_CLOSED');
    expect(res.errors![0]!.message).toContain('7 days after completion');
  });

  it('opens only once the service is accepted', async () => {
    const service = await newService(server, fx, { proStatus: 1 });
    expect(codeOf(await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.market }))).toBe('RATING_WINDOW_CLOSED');
  });

  it('rejects an expired rating token with TOKEN_EXPIRED (R7)', async () => {
    const service = await newService(server, fx);
    const token = await ratingToken(server, fx, service);
    server.clock.advance(8 * DAY_MS);
    try {
      expect(codeOf(await submit(server, { token, level: 5 }))).toBe('TOKEN_EXPIRED');
    } finally {
      server.clock.advance(-8 * DAY_MS);
    }
  });
});

describe('ratingTicket', () => {
  it('shows item name, case number, department and staff 工号 before the levels (R7)', async () => {
    const service = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const token = await ratingToken(server, fx, service);
    const res = await server.gql<{ ratingTicket: Record<string, unknown> }>(operation('rating-ticket'), { token });
    expect(res.data!.ratingTicket).toEqual({
      projectNo: service.projectNo,
      serviceNumber: 1,
      itemName: '个体工商户设立登记',
      departmentName: '东城区市场监督管理局',
      staffWorkNo: '0101023',
      rated: false,
    });
    const forged = await server.gql(operation('rating-ticket'), { token: `${token.slice(0, -4)}AAAA` });
    expect(codeOf(forged)).toBe('UNAUTHENTICATED');
  });
});

describe('registerService', () => {
  it('rejects a department code whose check character is wrong (R25) and stores nothing', async () => {
    const code = fx.departments.market.creditCode;
    const broken = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
    const res = await registerService(server, fx, { deptCode: broken, projectNo: 'R25-BROKEN' });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(/check character/);
    expect(await countRows(server.app, 'case_record', 'project_no = ?', ['R25-BROKEN'])).toBe(0);
  });

  it('rejects an item code that is not in the catalog (R25)', async () => {
    const res = await registerService(server, fx, { taskCode: 'NOT-IN-CATALOG', projectNo: 'R25-ITEM' });
    expect(codeOf(res)).toBe('NOT_FOUND');
    expect(await countRows(server.app, 'service', 'project_no = ?', ['R25-ITEM'])).toBe(0);
  });

  it('refuses a duplicate service record with other data but lets the status advance', async () => {
    const service = await newService(server, fx, { proStatus: 2 });
    const advanced = await registerService(server, fx, { ...service, proStatus: 3 });
    expect(advanced.errors).toBeUndefined();
    const duplicate = await registerService(server, fx, {
      ...service,
      taskCode: fx.items.pension.taskCode,
      deptCode: fx.departments.social.creditCode,
      key: fx.keys.social,
    });
    expect(codeOf(duplicate)).toBe('CONFLICT');
  });

  it("lets a system register only its own department's services", async () => {
    const res = await registerService(server, fx, { key: fx.keys.social });
    expect(codeOf(res)).toBe('FORBIDDEN');
  });
});
