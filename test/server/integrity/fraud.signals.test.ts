import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../server/src/auth/auth.service.js';
import type { Em } from '../../../server/src/db/orm.js';
import { runFraudJob } from '../../../server/src/integrity/fraud.service.js';
import { diffRollups, readRollups, recountRollups } from '../../../server/src/stats/rebuild.js';
import { recountRectRollup, storedRectRollup } from '../../../server/src/rectification/figures.store.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { DISTRICT_B, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, ratingToken, submit, type ServiceSpec } from '../../support/services.js';

const MIN = 60_000;

let server: TestServer;
let fx: Fixture;
let tokens: { super: string; market: string; police: string; districtB: string; admin: string };
let mobileSeq = 0;
const em = () => server.app.orm.em.fork() as Em;
const rows = <T>(sql: string, params: unknown[] = []) => em().execute<T[]>(sql, params);

/** Every service gets its own applicant mobile unless the pattern shares one. */
function spec(extra: ServiceSpec = {}): ServiceSpec {
  return { mobile: `1370000${String(mobileSeq++).padStart(4, '0')}`, ...extra };
}

async function rate(s: ServiceSpec, level: number, how: { key?: string; token?: boolean; tokenKey?: string; comment?: string } = {}): Promise<number> {
  const service = await newService(server, fx, s);
  const input: Record<string, unknown> = { level, comment: how.comment };
  let res;
  if (how.token) {
    const token = await ratingToken(server, fx, service, how.tokenKey);
    res = await submit(server, { ...input, token });
  } else {
    res = await submit(server, { ...input, ...service }, { apiKey: how.key ?? fx.keys.market });
  }
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.submitEvaluation.id;
}

/** Moves the clock to a local (Asia/Shanghai) time on a November day. */
function at(day: number, hh: number, mm = 0): void {
  server.clock.set(new Date(Date.UTC(2026, 10, day, hh - 8, mm)));
}

const patterns: Record<string, number[]> = {};
const controls: number[] = [];

interface SignalRow {
  id: number;
  kind: string;
  explanation: string;
  detail: string;
  ratingIds: number[];
  state: string;
  departmentName: string | null;
}
const SIGNAL_FIELDS = 'id kind kindName explanation detail ratingIds state departmentName invalidatedCount';

async function signals(token: string, filter: Record<string, unknown> = {}): Promise<SignalRow[]> {
  const res = await server.gql<{ fraudSignals: { items: SignalRow[] } }>(
    `query ($f: FraudSignalFilter) { fraudSignals(filter: $f) { total items { ${SIGNAL_FIELDS} } } }`,
    { f: filter },
    { token },
  );
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.fraudSignals.items;
}

function review(token: string, id: number, decision: 'UPHOLD' | 'DISMISS', note = '经核查属实') {
  return server.gql<{ reviewFraudSignal: SignalRow & { invalidatedCount: number | null } }>(
    `mutation ($id: Int!, $d: FraudReviewDecision!, $n: String!) { reviewFraudSignal(id: $id, decision: $d, note: $n) { ${SIGNAL_FIELDS} } }`,
    { id, d: decision, n: note },
    { token },
  );
}

function detect(token: string, period = '2026-11') {
  return server.gql<{ detectFraudSignals: { found: number; created: number; updated: number } }>(
    `mutation ($p: String!) { detectFraudSignals(period: $p) { found created updated } }`,
    { p: period },
    { token },
  );
}

const sig = (list: SignalRow[], kind: string, source?: string) =>
  list.filter((s) => s.kind === kind && (!source || (JSON.parse(s.detail) as { source?: string }).source === source));

beforeAll(async () => {
  server = await startTestServer({ followUpDays: 0 });
  fx = await makeFixture(server);
  const now = server.app.clock.now().getTime();
  await createUser(
    em(),
    { username: 'superb', password: 'superb-pass', role: 'supervisor', displayName: '西城区政务服务管理局', regionCode: DISTRICT_B },
    now,
    server.app.config.passwordHashCost,
  );
  const atWindow = (extra: ServiceSpec = {}) => spec({ windowId: fx.window.id, ...extra });
  const atOther = (extra: ServiceSpec = {}) => spec({ windowId: fx.otherWindow.id, ...extra });

  // A. Five top ratings from one window device within five minutes (Friday 10:00).
  at(20, 10);
  patterns.device = [];
  for (let i = 0; i < 5; i++) {
    patterns.device.push(await rate(atWindow(), 5, { key: fx.keys.window }));
    server.clock.advance(MIN);
  }
  // Control: four from the other window's device within four minutes (below the threshold).
  at(20, 11);
  for (let i = 0; i < 4; i++) {
    controls.push(await rate(atOther(), 5, { key: fx.keys.otherWindow }));
    server.clock.advance(MIN);
  }
  // B. Five top ratings of services whose applicant gave one phone, within ten minutes (by the system).
  at(20, 13);
  patterns.phone = [];
  for (let i = 0; i < 5; i++) {
    patterns.phone.push(await rate(spec({ mobile: '13911112222' }), 5));
    server.clock.advance(2 * MIN);
  }
  // C. Five top ratings with rating tokens issued by one window device (issuer), within five minutes.
  at(20, 14);
  patterns.issuer = [];
  for (let i = 0; i < 5; i++) {
    patterns.issuer.push(await rate(atWindow(), 5, { token: true, tokenKey: fx.keys.window }));
    server.clock.advance(MIN);
  }
  // D. Five top ratings by rating tokens of the department system, from one address (the tests' loopback).
  at(20, 15);
  patterns.ip = [];
  for (let i = 0; i < 5; i++) {
    patterns.ip.push(await rate(spec(), 5, { token: true }));
    server.clock.advance(MIN);
  }
  // E. Two good ratings, by rating token, of the window's own staff member, from the window device's address.
  at(21, 9, 30);
  patterns.self = [];
  for (let i = 0; i < 2; i++) {
    patterns.self.push(await rate(spec({ staffNo: fx.staff.workNo }), 5, { token: true }));
    server.clock.advance(30 * MIN);
  }
  // F. The same long comment on three different cases (bad reviews, which open rectification cases).
  at(23, 10);
  patterns.comment = [];
  for (let i = 0; i < 3; i++) {
    patterns.comment.push(await rate(spec(), 1, { comment: '窗口工作人员态度恶劣，故意刁难群众，要求反复提交材料！' }));
    server.clock.advance(20 * MIN);
  }
  // Control: another long comment on two cases only, and a short common phrase on four.
  for (let i = 0; i < 2; i++) {
    controls.push(await rate(spec(), 5, { comment: '工作人员耐心细致地解答了所有问题，流程清楚' }));
    server.clock.advance(20 * MIN);
  }
  for (let i = 0; i < 4; i++) {
    controls.push(await rate(spec(), 5, { comment: '很满意，效率高' }));
    server.clock.advance(20 * MIN);
  }
  // G. Three window ratings at the other window after 22:00 on a weekday (it closes at 17:30).
  at(24, 22);
  patterns.offHours = [];
  for (let i = 0; i < 3; i++) {
    patterns.offHours.push(await rate(atOther(), 5, { key: fx.keys.otherWindow }));
    server.clock.advance(20 * MIN);
  }
  // Control: one window rating at 17:50 (within the 30 minutes' grace) and two on the next late evening.
  at(25, 17, 50);
  controls.push(await rate(atOther(), 5, { key: fx.keys.otherWindow }));
  at(25, 22);
  for (let i = 0; i < 2; i++) {
    controls.push(await rate(atOther(), 4, { key: fx.keys.otherWindow }));
    server.clock.advance(20 * MIN);
  }
  // The token ratings' addresses other than patterns D and E are made distinct, so only the
  // generated patterns share one (every test request comes from the same loopback address).
  await rows(`update rating set client_ip_hash = 'ip-' || id where id in (${patterns.issuer.join(',')})`);
  at(28, 12);
  // Signed in after the clock has moved through the days above.
  tokens = {
    super: await sessionToken(server, 'super', 'super-pass'),
    market: await sessionToken(server, 'market', 'market-pass'),
    police: await sessionToken(server, 'police', 'police-pass'),
    districtB: await sessionToken(server, 'superb', 'superb-pass'),
    admin: await sessionToken(server, 'admin', 'admin-pass'),
  };
}, 120_000);
afterAll(async () => {
  await server?.close();
});

describe('the rating stores where it came from, never the phone itself (R18)', () => {
  it('keeps a keyed hash of the phone and address and the token issuer', async () => {
    const [r] = await rows<{ rater_mobile_hash: string; client_ip_hash: string; token_issuer: string }>(
      'select rater_mobile_hash, client_ip_hash, token_issuer from rating where id = ?',
      [patterns.ip![0]],
    );
    expect(r!.rater_mobile_hash).toMatch(/^[0-9a-f]{40}$/);
    expect(r!.client_ip_hash).toMatch(/^[0-9a-f]{40}$/);
    expect(r!.token_issuer).toMatch(/^apikey:\d+$/);
    const phones = await rows<{ n: number }>(`select count(*) as n from rating where rater_mobile_hash like '%1391111%'`);
    expect(Number(phones[0]!.n)).toBe(0);
    const same = await rows<{ h: string }>(`select distinct rater_mobile_hash as h from rating where id in (${patterns.phone!.join(',')})`);
    expect(same).toHaveLength(1);
  });
});

describe('fraud detectors on generated patterns (R18)', () => {
  let found: SignalRow[] = [];

  it('are run by a supervisor and stored once (idempotent)', async () => {
    const first = await detect(tokens.super);
    expect(first.errors).toBeUndefined();
    expect(first.data!.detectFraudSignals.created).toBeGreaterThanOrEqual(7);
    const again = await detect(tokens.super);
    expect(again.data!.detectFraudSignals).toMatchObject({ created: 0, updated: 0, found: first.data!.detectFraudSignals.found });
    found = await signals(tokens.super);
    expect(found).toHaveLength(first.data!.detectFraudSignals.created);
  });

  it('each signal flags exactly the ratings of its pattern and none of the controls', () => {
    const expectOne = (list: SignalRow[], ids: number[]) => {
      expect(list).toHaveLength(1);
      expect([...list[0]!.ratingIds].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    };
    expectOne(sig(found, 'BURST', 'DEVICE'), patterns.device!);
    expectOne(sig(found, 'BURST', 'PHONE'), patterns.phone!);
    expectOne(sig(found, 'BURST', 'ISSUER'), patterns.issuer!);
    expectOne(sig(found, 'BURST', 'IP'), patterns.ip!);
    expectOne(sig(found, 'SELF_RATING'), patterns.self!);
    expectOne(sig(found, 'IDENTICAL_COMMENT'), patterns.comment!);
    expectOne(sig(found, 'OFF_HOURS'), patterns.offHours!);
    expect(found).toHaveLength(7);
    const flagged = new Set(found.flatMap((s) => s.ratingIds));
    for (const id of controls) expect(flagged.has(id), `control rating ${id}`).toBe(false);
  });

  it('explain themselves in Chinese with machine fields', () => {
    const burst = sig(found, 'BURST', 'DEVICE')[0]!;
    expect(burst.explanation).toContain('同一评价设备');
    expect(burst.explanation).toContain('5条');
    expect(JSON.parse(burst.detail)).toMatchObject({ source: 'DEVICE', count: 5, thresholdCount: 5, thresholdMinutes: 10 });
    expect(sig(found, 'OFF_HOURS')[0]!.explanation).toContain('非办公时间');
    expect(sig(found, 'IDENTICAL_COMMENT')[0]!.explanation).toContain('完全相同');
    expect(burst.departmentName).toBe('东城区市场监督管理局');
  });
});

describe('reviewing a signal (R18)', () => {
  it('is refused to officers and to supervisors of another region', async () => {
    const [s] = sig(await signals(tokens.super), 'BURST', 'DEVICE');
    expect(codeOf(await review(tokens.market, s!.id, 'UPHOLD'))).toBe('FORBIDDEN');
    expect(codeOf(await review(tokens.districtB, s!.id, 'UPHOLD'))).toBe('NOT_FOUND');
    expect(codeOf(await detect(tokens.market))).toBe('FORBIDDEN');
  });

  it('upholding invalidates the good ratings it flags; every rollup then equals a recount (R18)', async () => {
    const [s] = sig(await signals(tokens.super), 'BURST', 'DEVICE');
    const scope = `D:${fx.departments.market.id}`;
    const before = await rollupTotal(server.app, scope);
    const res = await review(tokens.super, s!.id, 'UPHOLD', '同一设备五分钟内连续五条非常满意，经调取录像认定为刷好评');
    expect(res.errors).toBeUndefined();
    expect(res.data!.reviewFraudSignal).toMatchObject({ state: 'UPHELD', invalidatedCount: 5 });
    const valid = await rows<{ valid: number | boolean; invalid_reason: string }>(
      `select valid, invalid_reason from rating where id in (${patterns.device!.join(',')})`,
    );
    expect(valid.every((r) => !r.valid)).toBe(true);
    expect(valid[0]!.invalid_reason).toContain(`fraud signal ${s!.id} upheld`);
    expect(await rollupTotal(server.app, scope)).toBe(before - 5);
    expect(diffRollups(await recountRollups(em()), await readRollups(em()))).toEqual([]);
    // Nothing is deleted: the ratings stay, invalid, for the audit trail.
    expect(await countRows(server.app, 'rating', `id in (${patterns.device!.join(',')})`)).toBe(5);
    expect(await countRows(server.app, 'audit_log', `action = 'fraud.uphold' and subject = ?`, [`fraud-signal:${s!.id}`])).toBe(1);
  });

  it('a signal is decided once', async () => {
    const [s] = sig(await signals(tokens.super), 'BURST', 'DEVICE');
    expect(codeOf(await review(tokens.super, s!.id, 'DISMISS'))).toBe('ILLEGAL_TRANSITION');
  });

  it('dismissing keeps the ratings valid and counted', async () => {
    const [s] = sig(await signals(tokens.super), 'BURST', 'PHONE');
    const res = await review(tokens.super, s!.id, 'DISMISS', '系同一代办人为家人办理，非刷评');
    expect(res.data!.reviewFraudSignal.state).toBe('DISMISSED');
    const valid = await rows<{ valid: number | boolean }>(`select valid from rating where id in (${patterns.phone!.join(',')})`);
    expect(valid.every((r) => !!r.valid)).toBe(true);
    expect(await countRows(server.app, 'audit_log', `action = 'fraud.dismiss'`)).toBe(1);
  });

  it('upholding bad reviews ends their rectification cases and keeps the case figures exact (R18)', async () => {
    const [s] = sig(await signals(tokens.super), 'IDENTICAL_COMMENT');
    const open = await rows<{ n: number }>(
      `select count(*) as n from rect_case where rating_id in (${patterns.comment!.join(',')}) and state <> 'INVALIDATED'`,
    );
    expect(Number(open[0]!.n)).toBe(3);
    const res = await review(tokens.admin, s!.id, 'UPHOLD', '批量恶意差评');
    expect(res.data!.reviewFraudSignal.invalidatedCount).toBe(3);
    const cases = await rows<{ state: string }>(`select state from rect_case where rating_id in (${patterns.comment!.join(',')})`);
    expect(cases.map((c) => c.state)).toEqual(['INVALIDATED', 'INVALIDATED', 'INVALIDATED']);
    expect(diffRollups(await recountRollups(em()), await readRollups(em()))).toEqual([]);
    expect(Object.fromEntries(await storedRectRollup(em()))).toEqual(Object.fromEntries(await recountRectRollup(em())));
  });

  it('detection after a review stores nothing again, neither by the mutation nor by the job (npm run job:fraud)', async () => {
    const again = await detect(tokens.super);
    expect(again.data!.detectFraudSignals.created).toBe(0);
    const [report] = await runFraudJob(server.app, '2026-11');
    // The two upheld patterns are invalid now and no longer found, nor is the staff-device one, which knew the
    // window device's address from the burst's (now invalid) ratings; the four others are, stored already.
    expect(report).toMatchObject({ period: '2026-11', regionCode: null, found: 4, created: 0, updated: 0 });
    expect(await countRows(server.app, 'fraud_signal')).toBe(7);
  });
});

describe('who sees the signals', () => {
  it('officers see their own department’s, other departments and regions see none', async () => {
    expect((await signals(tokens.market)).length).toBe(7);
    expect(await signals(tokens.police)).toEqual([]);
    expect(await signals(tokens.districtB)).toEqual([]);
    expect((await signals(tokens.super, { state: 'OPEN' })).length).toBe(4);
    expect(codeOf(await server.gql(`{ fraudSignals(filter: { regionCode: "41x" }) { total } }`, {}, { token: tokens.super }))).toBe('BAD_USER_INPUT');
    const anon = await server.gql(`{ fraudSignals { total } }`);
    expect(codeOf(anon)).toBe('UNAUTHENTICATED');
  });
});
