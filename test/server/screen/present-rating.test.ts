import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';
import { subscribe, wsClient } from './ws-client.js';

let server: TestServer;
let fx: Fixture;
const clients: Client[] = [];

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await server.close();
});

function device(apiKey: string): Client {
  const client = wsClient(server.url, { apiKey });
  clients.push(client);
  return client;
}

type Presented = {
  ratingPresented: {
    id: string;
    projectNo: string;
    serviceNumber: number;
    itemName: string;
    staffWorkNo: string | null;
    staffName: string | null;
    windowNo: string | null;
    terminalNo: string | null;
  };
};

function present(service: { projectNo: string; serviceNumber: number }, apiKey = fx.keys.market) {
  return server.gql<{ presentRating: { id: string; itemName: string } }>(operation('present-rating'), service, { apiKey });
}

/**
 * A device's subscription. No wait for it to be registered is needed: a presentation made before that
 * is replayed to it on subscribing (the same path a device that reconnects takes).
 */
function watch(apiKey: string, vars: Record<string, unknown>) {
  return subscribe<Presented>(device(apiKey), operation('rating-presented'), vars);
}

describe('presentRating and ratingPresented', () => {
  it('shows a service on its window evaluator at once, with item, case number, 工号 and staff name (R7)', async () => {
    const service = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const sub = watch(fx.keys.window, { windowId: fx.window.id });
    const res = await present(service);
    expect(res.errors).toBeUndefined();
    const msg = await sub.next();
    expect(msg.errors).toBeUndefined();
    expect(msg.data!.ratingPresented).toMatchObject({
      id: res.data!.presentRating.id,
      projectNo: service.projectNo,
      serviceNumber: 1,
      itemName: '个体工商户设立登记',
      staffWorkNo: '0101023',
      staffName: '王晓明',
      windowNo: 'A01',
      terminalNo: null,
    });
    // The device then rates it with its own key: channel WINDOW (R5).
    const rated = await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.window });
    expect(rated.errors).toBeUndefined();
    expect(rated.data!.submitEvaluation.channel).toBe('WINDOW');
    sub.dispose();
  });

  it('shows a terminal service with the terminal number (R7)', async () => {
    const service = await newService(server, fx, { terminalId: fx.terminal.id });
    const sub = watch(fx.keys.terminal, { terminalId: fx.terminal.id });
    expect((await present(service)).errors).toBeUndefined();
    const msg = await sub.next();
    expect(msg.data!.ratingPresented).toMatchObject({ projectNo: service.projectNo, terminalNo: 'T01', windowNo: null });
    sub.dispose();
  });

  it('replays the live presentation to a device that (re)connects, but not once it is rated', async () => {
    const service = await newService(server, fx, { windowId: fx.window.id });
    const presented = await present(service);
    expect(presented.errors).toBeUndefined();
    const late = watch(fx.keys.window, { windowId: fx.window.id });
    expect((await late.next()).data!.ratingPresented.id).toBe(presented.data!.presentRating.id);
    late.dispose();
    expect((await submit(server, { ...service, level: 4 }, { apiKey: fx.keys.window })).errors).toBeUndefined();
    const after = watch(fx.keys.window, { windowId: fx.window.id });
    const next = await newService(server, fx, { windowId: fx.window.id });
    expect((await present(next)).errors).toBeUndefined();
    expect((await after.next()).data!.ratingPresented.projectNo).toBe(next.projectNo);
    after.dispose();
  });

  it('gives a terminal its idle screen (R7), and no other device', async () => {
    const own = await server.gql<{ terminal: { no: string; hallName: string } }>(
      operation('terminal-idle'),
      { id: fx.terminal.id },
      { apiKey: fx.keys.terminal },
    );
    expect(own.data!.terminal).toEqual({ id: fx.terminal.id, no: 'T01', name: '自助终端1号', hallName: '东城区政务服务中心' });
    expect(codeOf(await server.gql(operation('terminal-idle'), { id: fx.terminal.id }, { apiKey: fx.keys.window }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(operation('terminal-idle'), { id: 9999 }, { apiKey: fx.keys.market }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(operation('terminal-idle'), { id: fx.terminal.id }))).toBe('UNAUTHENTICATED');
  });

  it('lets a device watch only its own window or terminal', async () => {
    const other = watch(fx.keys.otherWindow, { windowId: fx.window.id });
    expect((await other.next()).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const both = watch(fx.keys.window, { windowId: fx.window.id, terminalId: fx.terminal.id });
    expect((await both.next()).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const system = watch(fx.keys.market, { windowId: fx.window.id });
    expect((await system.next()).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("is called by the service's own department system or an admin only", async () => {
    const service = await newService(server, fx, { windowId: fx.window.id });
    expect(codeOf(await present(service, fx.keys.police))).toBe('FORBIDDEN');
    expect(codeOf(await present(service, fx.keys.window))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(operation('present-rating'), service))).toBe('UNAUTHENTICATED');
  });

  it('needs a known service with a window or terminal that is not rated yet (R9)', async () => {
    expect(codeOf(await present({ projectNo: 'NO-SUCH', serviceNumber: 1 }))).toBe('NOT_FOUND');
    const online = await newService(server, fx);
    expect(codeOf(await present(online))).toBe('BAD_USER_INPUT');
    const rated = await newService(server, fx, { windowId: fx.window.id });
    expect((await submit(server, { ...rated, level: 5 }, { apiKey: fx.keys.market })).errors).toBeUndefined();
    expect(codeOf(await present(rated))).toBe('ALREADY_RATED');
    const waiting = await newService(server, fx, { windowId: fx.window.id, proStatus: 1 });
    expect(codeOf(await present(waiting))).toBe('RATING_WINDOW_CLOSED');
  });

  it('reaches devices through the change bus, so a bridged server delivers it too', async () => {
    const service = await newService(server, fx, { windowId: fx.window.id });
    const events: unknown[] = [];
    const off = server.app.bus.subscribe((e) => events.push(e));
    const res = await present(service);
    off();
    expect(res.errors).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'catalog', scopes: [`present:W:${fx.window.id}`], origin: server.app.instanceId });
  });
  it('gives the window evaluator the receipt QR code of the presented service: the signed rating link as an SVG (R7)', async () => {
    const service = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const sub = watch(fx.keys.window, { windowId: fx.window.id });
    expect((await present(service)).errors).toBeUndefined();
    const shown = (await sub.next()).data!.ratingPresented;
    sub.dispose();
    // What the evaluator page asks with its device key once a service is shown.
    type Issued = { issueRatingToken: { token: string; path: string; qrPath: string } };
    const vars = { projectNo: shown.projectNo, serviceNumber: shown.serviceNumber };
    const res = await server.gql<Issued>(operation('issue-rating-token'), vars, { apiKey: fx.keys.window });
    expect(res.errors).toBeUndefined();
    const { token, path, qrPath } = res.data!.issueRatingToken;
    expect(path).toBe(`/rate?t=${encodeURIComponent(token)}`);
    expect(qrPath).toBe(`/qr/${token}.svg`);
    const svg = await fetch(server.url + qrPath);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await svg.text()).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    // Another window's evaluator gets no link to this service.
    expect(codeOf(await server.gql(operation('issue-rating-token'), vars, { apiKey: fx.keys.otherWindow }))).toBe('FORBIDDEN');
  });
});
