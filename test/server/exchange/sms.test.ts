import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Em } from '../../../server/src/db/orm.js';
import { sendDueSmsInvites } from '../../../server/src/exchange/sms.service.js';
import { rectEnv, type RectEnv } from '../rectification/rect-support.js';
import { newService, ratingToken, submit } from '../../support/services.js';
import { codeOf, startTestServer } from '../../support/server.js';
import { createUser } from '../../../server/src/auth/auth.service.js';
import { DISTRICT_B, sessionToken } from '../../support/fixture.js';
import { loadConfig, publicUrl } from '../../../server/src/common/config.js';

const SECRET = 'sms-inbound-test-secret';
const HOUR = 3_600_000;

/** Rating by SMS and by the 12345 hotline (R5, R17): invitations, replies, phone ratings, QR images. */
describe('SMS invitations, SMS replies and 12345 phone ratings (R5, R17)', () => {
  let env: RectEnv;
  beforeAll(async () => {
    env = await rectEnv({ smsInboundSecret: SECRET, smsInviteAfterHours: 72, ratingWindowDays: 7, publicBaseUrl: 'https://hcp.example.gov.cn' });
  });
  afterAll(() => env?.close());

  const sms = (mobile: string) => env.messages.received.filter((m) => m.path === '/sms' && m.body.mobile === mobile);
  const job = () => sendDueSmsInvites(env.server.app);
  const serviceId = async (projectNo: string) =>
    Number((await (env.server.app.orm.em.fork() as Em).execute<Array<{ id: number }>>('select id from service where project_no = ?', [projectNo]))[0]!.id);

  async function inbound(body: Record<string, unknown>, signature?: string): Promise<{ status: number; json: Record<string, unknown> | null }> {
    const raw = JSON.stringify(body);
    const res = await fetch(`${env.server.url}/sms/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': signature ?? createHmac('sha256', SECRET).update(raw).digest('hex') },
      body: raw,
    });
    const text = await res.text();
    return { status: res.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : null };
  }

  it('invites once after the delay, not before, with an absolute link (PUBLIC_BASE_URL) whose token rates the service (R5)', async () => {
    const service = await newService(env.server, env.fx, { mobile: '13900000001' });
    await job();
    env.server.clock.advance(71 * HOUR);
    await job();
    expect(sms('13900000001')).toHaveLength(0);
    env.server.clock.advance(2 * HOUR);
    await job();
    await job();
    const sent = sms('13900000001');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.idempotencyKey).toBe(`sms-invite:${await serviceId(service.projectNo)}`);
    // A phone opens only a full address from an SMS.
    const link = /(?<![\w/.])https:\/\/hcp\.example\.gov\.cn\/r\/([0-9a-z]+) /.exec(String(sent[0]!.body.text));
    expect(link).not.toBeNull();
    const res = await fetch(`${env.server.url}/r/${link![1]}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/rate\?t=/);
    const token = decodeURIComponent(location.slice('/rate?t='.length));
    const rated = await submit(env.server, { token, level: 5, channel: 'SMS' });
    expect(rated.errors).toBeUndefined();
    expect(rated.data!.submitEvaluation).toMatchObject({ level: 5, channel: 'SMS' });
    // A link we did not issue is not followed.
    expect((await fetch(`${env.server.url}/r/${link![1]!.slice(0, -1)}0`, { redirect: 'manual' })).status).toBe(404);
  });

  it('never invites a service that is already rated (R5)', async () => {
    const service = await newService(env.server, env.fx, { mobile: '13900000002' });
    const token = await ratingToken(env.server, env.fx, service);
    expect((await submit(env.server, { token, level: 4 })).errors).toBeUndefined();
    env.server.clock.advance(73 * HOUR);
    await job();
    expect(sms('13900000002')).toHaveLength(0);
  });

  it('takes a signed reply "2 态度不好" as an SMS rating of level 2 that opens a rectification case (R5, R13)', async () => {
    const service = await newService(env.server, env.fx, { mobile: '13900000004' });
    env.server.clock.advance(73 * HOUR);
    await job();
    expect(sms('13900000004')).toHaveLength(1);

    expect((await inbound({ from: '13900000004', text: '2 态度不好', id: 'm-1' }, 'f'.repeat(64))).status).toBe(401);
    expect((await inbound({ from: '13900000004', text: '2 态度不好', id: 'm-1' }, 'nonsense')).status).toBe(401);

    const answer = await inbound({ from: '+86 139-0000-0004', text: '2 态度不好', receivedAt: '2026-11-23 10:00:00', id: 'm-1' });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ accepted: true });
    const ratingId = Number(answer.json!.ratingId);
    const em = env.server.app.orm.em.fork() as Em;
    const [rating] = await em.execute<Array<{ level: number; channel: string; service_id: number }>>(
      'select level, channel, service_id from rating where id = ?',
      [ratingId],
    );
    expect({ level: Number(rating!.level), channel: rating!.channel, serviceId: Number(rating!.service_id) }).toEqual({
      level: 2,
      channel: 'SMS',
      serviceId: await serviceId(service.projectNo),
    });
    const cases = await em.execute<Array<{ n: number }>>('select count(*) as n from rect_case where rating_id = ?', [ratingId]);
    expect(Number(cases[0]!.n)).toBe(1);
    // The gateway delivering the same message again gets the same answer; nothing new is stored.
    expect((await inbound({ from: '13900000004', text: '2 态度不好', id: 'm-1' })).json).toEqual({ accepted: true, ratingId });
    // No open invitation left for this sender: not retried by the gateway.
    expect((await inbound({ from: '13900000004', text: '5', id: 'm-2' })).json).toMatchObject({ accepted: false, code: 'NO_INVITATION' });
  });

  it('answers senders without an invitation, replies that are not ratings and bad ratings without a reason (R5)', async () => {
    expect((await inbound({ from: '13700000000', text: '5 很满意' })).json).toMatchObject({ accepted: false, code: 'NO_INVITATION' });
    await newService(env.server, env.fx, { mobile: '13900000005' });
    env.server.clock.advance(73 * HOUR);
    await job();
    expect((await inbound({ from: '13900000005', text: '好' })).json).toMatchObject({ accepted: false, code: 'NOT_A_RATING' });
    expect((await inbound({ from: '13900000005', text: '1' })).json).toMatchObject({ accepted: false, code: 'TAG_OR_COMMENT_REQUIRED' });
    // The sender was asked for the reason once; a reply with one is then taken.
    expect(sms('13900000005').map((m) => String(m.body.text))).toEqual([expect.stringContaining('/r/'), expect.stringContaining('原因')]);
    expect((await inbound({ from: '13900000005', text: '1办了三次没办成' })).json).toMatchObject({ accepted: true });
  });

  it('lets a 12345 operator enter a phone rating on the HOTLINE channel only (R5)', async () => {
    const service = await newService(env.server, env.fx, { mobile: '13900000006' });
    const auth = { token: env.tokens.hotline };
    const wrong = await submit(env.server, { ...service, level: 4, channel: 'QR' }, auth);
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    const rated = await submit(env.server, { ...service, level: 2, tags: ['214'], comment: '来电反映等待时间长', channel: 'HOTLINE' }, auth);
    expect(rated.errors).toBeUndefined();
    expect(rated.data!.submitEvaluation).toMatchObject({ level: 2, channel: 'HOTLINE' });
    // Follow-ups stay with the rater, devices and systems.
    const follow = await env.server.gql(
      'mutation ($input: SubmitFollowUpInput!) { submitFollowUp(input: $input) { id } }',
      {
        input: { ...service, level: 3, channel: 'HOTLINE' },
      },
      auth,
    );
    expect(codeOf(follow)).toBe('FORBIDDEN');
    // Only services of the operator's region.
    const em = env.server.app.orm.em.fork() as Em;
    await createUser(
      em,
      { username: 'hotline-b', password: 'hotline-b-pass', role: 'hotline', displayName: '西城区热线', regionCode: DISTRICT_B },
      env.server.clock.now().getTime(),
      env.server.app.config.passwordHashCost,
    );
    const other = await newService(env.server, env.fx, { mobile: '13900000009' });
    const outside = await submit(
      env.server,
      { ...other, level: 5, channel: 'HOTLINE' },
      { token: await sessionToken(env.server, 'hotline-b', 'hotline-b-pass') },
    );
    expect(codeOf(outside)).toBe('FORBIDDEN');
  });

  it('draws the receipt QR code of a rating token as an SVG image, and nothing for other tokens (R7)', async () => {
    const service = await newService(env.server, env.fx, { mobile: '13900000007' });
    const token = await ratingToken(env.server, env.fx, service);
    const res = await fetch(`${env.server.url}/qr/${token}.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(res.headers.get('cache-control')).toMatch(/private/);
    expect(await res.text()).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect((await fetch(`${env.server.url}/qr/${env.tokens.hotline}.svg`)).status).toBe(404);
    expect((await fetch(`${env.server.url}/qr/${'x'.repeat(40)}.svg`)).status).toBe(404);
  });

  it('never invites after the rating window has closed (R5, R9)', async () => {
    await newService(env.server, env.fx, { mobile: '13900000008' });
    env.server.clock.advance(8 * 24 * HOUR);
    await job();
    expect(sms('13900000008')).toHaveLength(0);
  });

  it('puts http://localhost:PORT before SMS links while PUBLIC_BASE_URL is unset, and refuses a malformed one (R5)', () => {
    expect(publicUrl(loadConfig({ PORT: '4100' }), '/r/abc')).toBe('http://localhost:4100/r/abc');
    expect(publicUrl(loadConfig({ PUBLIC_BASE_URL: 'https://hcp.example.gov.cn/' }), '/r/abc')).toBe('https://hcp.example.gov.cn/r/abc');
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'hcp.example.gov.cn' })).toThrow(/PUBLIC_BASE_URL/);
  });

  it('has no inbound route while SMS_INBOUND_SECRET is unset (R5)', async () => {
    const bare = await startTestServer();
    try {
      const res = await fetch(`${bare.url}/sms/inbound`, { method: 'POST', body: '{}', headers: { 'x-signature': 'f'.repeat(64) } });
      expect(res.status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
