import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { parse, subscribe as graphqlSubscribe, type ExecutionResult, type GraphQLSchema } from 'graphql/index.js';
import { buildSchema } from 'type-graphql';
import type { Actor } from '../../../server/src/common/actor.js';
import { authChecker } from '../../../server/src/graphql/auth-checker.js';
import { createLiveSubscribeHandler, liveContext, type LiveSocket, type LiveSubscribeHandler } from '../../../server/src/graphql/live-adapter.js';
import { liveTopicSpec } from '../../../server/src/stats/live-topics.js';
import { livePubSub, statsResolvers } from '../../../server/src/stats/stats.resolver.js';
import { CITY, naive, seedCatalog, statsApp, storeRollups, syntheticRatings, type Catalog, type StatsApp } from './stats-fixture.js';

const PUBLIC: Actor = { role: 'public', label: 'public' };
const OVERVIEW = parse('subscription ($f: StatsFilter) { overviewChanged(filter: $f) { scope total good goodRate seq byChannel { channel total } } }');

/** A socket that lets the test wait for its next frame (no sleeps). */
class WaitingSocket implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  frames: string[] = [];
  private waiters: Array<(frame: string) => void> = [];
  send(data: Buffer, _options: { binary: boolean }, cb?: () => void): void {
    const frame = data.toString('utf8');
    this.frames.push(frame);
    this.waiters.splice(0).forEach((w) => w(frame));
    cb?.();
  }
  nextFrame(): Promise<{ id: string; type: string; payload: ExecutionResult }> {
    return new Promise((resolve) => this.waiters.push((f) => resolve(JSON.parse(f))));
  }
}

let app: StatsApp;
let cat: Catalog;
let schema: GraphQLSchema;
let live: LiveSubscribeHandler;
const first = syntheticRatings(300, 1);

beforeAll(async () => {
  app = await statsApp({ liveIntervalMs: 20 });
  cat = await seedCatalog(app.orm);
  await storeRollups(app.orm, first);
  schema = await buildSchema({ resolvers: [...statsResolvers], authChecker, authMode: 'error', validate: false, pubSub: livePubSub });
  live = createLiveSubscribeHandler(app.liveHub, (actor, field, fieldArgs) => liveTopicSpec(app, actor, field, fieldArgs), { retryMs: 20 });
});

afterAll(async () => {
  await app.close();
});

function args(document = OVERVIEW, variableValues: Record<string, unknown> = { f: { regionCode: CITY } }, context: Record<string, unknown> = {}) {
  return { schema, document, variableValues, contextValue: { app, actor: PUBLIC, ...context } };
}

describe('createLiveSubscribeHandler', () => {
  it('writes one shared snapshot to every socket at once, then after each change (R21 live figures)', async () => {
    const a = new WaitingSocket();
    const b = new WaitingSocket();
    const firstA = a.nextFrame();
    const subA = await live.subscribe(args(OVERVIEW, { f: { regionCode: CITY } }, liveContext(a, 'a1')));
    const frameA = await firstA;
    expect(frameA.id).toBe('a1');
    expect(frameA.type).toBe('next');
    const overview = frameA.payload.data!.overviewChanged as { scope: string; total: number; seq: number };
    expect(overview.scope).toBe(`R:${CITY}`);
    expect(overview.total).toBe(naive(first, `R:${CITY}`).length);

    // A second identical subscription (another client, same variables) gets the current snapshot at once.
    const subB = await live.subscribe(args(OVERVIEW, { f: { regionCode: CITY } }, liveContext(b, 'b7')));
    expect(b.frames).toHaveLength(1);
    const body = (frame: string) => frame.slice(frame.indexOf('"payload":'));
    expect(body(b.frames[0]!)).toBe(body(a.frames[0]!));
    expect(live.hub.stats()).toMatchObject({ topics: 1, variants: 1, subscribers: 2 });

    const more = syntheticRatings(40, 2);
    await storeRollups(app.orm, more);
    const nextA = a.nextFrame();
    const nextB = b.nextFrame();
    app.bus.publish({ kind: 'rating', scopes: [...new Set(more.flatMap((r) => r.scopes))], at: Date.now(), origin: 'test' });
    const [updA, updB] = await Promise.all([nextA, nextB]);
    const updated = updA.payload.data!.overviewChanged as { total: number; seq: number };
    expect(updated.total).toBe(naive([...first, ...more], `R:${CITY}`).length);
    expect(updated.seq).toBeGreaterThan(overview.seq);
    expect(updB.id).toBe('b7');
    expect(updB.payload).toEqual(updA.payload);
    expect(live.hub.stats().computations).toBe(2);

    for (const sub of [subA, subB]) await (sub as AsyncIterableIterator<ExecutionResult>).return!();
    expect(live.hub.stats()).toMatchObject({ topics: 0, subscribers: 0 });
  });

  it('hands the same ExecutionResult object to every iterator when there is no socket', async () => {
    const one = (await live.subscribe(args())) as AsyncIterableIterator<ExecutionResult>;
    const two = (await live.subscribe(args())) as AsyncIterableIterator<ExecutionResult>;
    const [r1, r2] = await Promise.all([one.next(), two.next()]);
    expect(r1.value).toBe(r2.value);
    expect((r1.value as ExecutionResult).errors).toBeUndefined();
    await one.return!();
    await two.return!();
  });

  it("executes the subscriber's own selection, aliases included", async () => {
    const doc = parse('subscription { screen: overviewChanged { t: total } }');
    const it1 = (await live.subscribe(args(doc, {}))) as AsyncIterableIterator<ExecutionResult>;
    const { value } = await it1.next();
    expect(value).toEqual({ data: { screen: { t: naive(first, 'T').length + naive(syntheticRatings(40, 2), 'T').length } } });
    await it1.return!();
  });

  it('refuses per-staff live figures to a public caller with FORBIDDEN', async () => {
    const doc = parse('subscription ($f: StatsFilter) { breakdownChanged(filter: $f, by: STAFF) { rows { key } } }');
    const result = (await live.subscribe(args(doc, { f: { departmentId: cat.departments.market } }))) as ExecutionResult;
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.path).toEqual(['breakdownChanged']);
    expect(live.hub.stats().topics).toBe(0);
  });

  it('rejects a malformed filter with BAD_USER_INPUT', async () => {
    const result = (await live.subscribe(args(OVERVIEW, { f: { regionCode: '12' } }))) as ExecutionResult;
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('serves hot tags, breakdowns and the rating feed as live topics too', async () => {
    const doc = parse(`subscription ($f: StatsFilter) {
      hotTagsChanged(filter: $f, limit: 3) { total tags { code name count } seq }
    }`);
    const tags = (await live.subscribe(args(doc, { f: {} }))) as AsyncIterableIterator<ExecutionResult>;
    const t = (await tags.next()).value as ExecutionResult;
    expect((t.data!.hotTagsChanged as { tags: unknown[] }).tags).toHaveLength(3);
    await tags.return!();
    const bd = (await live.subscribe(
      args(parse('subscription { breakdownChanged(filter: { regionCode: "419900000000" }, by: REGION) { rows { key total } } }'), {}),
    )) as AsyncIterableIterator<ExecutionResult>;
    const rows = ((await bd.next()).value as ExecutionResult).data!.breakdownChanged as { rows: Array<{ key: string }> };
    expect(rows.rows.map((r) => r.key).sort()).toEqual(['419901000000', '419902000000']);
    await bd.return!();
    const feed = (await live.subscribe(
      args(parse('subscription { ratingFeed(limit: 5) { entries { id level itemName } } }'), {}),
    )) as AsyncIterableIterator<ExecutionResult>;
    const f = (await feed.next()).value as ExecutionResult;
    expect(f.errors).toBeUndefined();
    expect(f.data!.ratingFeed).toEqual({ entries: [] }); // rollups only in this file: no rating rows
    await feed.return!();
  });

  it("also works through type-graphql's own subscribe (fallback without the handler)", async () => {
    const result = (await graphqlSubscribe(args())) as AsyncGenerator<ExecutionResult>;
    const { value } = await result.next();
    expect((value.data.overviewChanged as { scope: string }).scope).toBe(`R:${CITY}`);
    await result.return(undefined);
  });
});

describe('wired into graphql-ws useServer (as http/server.ts does)', () => {
  it('serves two real WebSocket clients from one topic and drops it when they leave', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/graphql' });
    const server = useServer(
      {
        schema,
        context: (ctx, id) => ({ app, actor: PUBLIC, ...liveContext(ctx.extra.socket, id) }),
        subscribe: (execArgs) => live.subscribe(execArgs),
      },
      wss,
    );
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
    const clients = [1, 2].map(() => createClient({ url, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 }));
    type Msg = { data?: { overviewChanged: { total: number; seq: number } } | null; errors?: unknown };
    const inboxes: Msg[][] = [[], []];
    const waiters: Array<Array<() => void>> = [[], []];
    const nextMessage = (i: number) => new Promise<void>((done) => waiters[i]!.push(done));
    const firsts = [nextMessage(0), nextMessage(1)];
    const stops = clients.map((client, i) =>
      client.subscribe<Msg['data']>(
        { query: 'subscription { overviewChanged { total seq } }' },
        {
          next: (msg) => {
            inboxes[i]!.push(msg as Msg);
            waiters[i]!.splice(0).forEach((w) => w());
          },
          error: (err) => {
            throw err;
          },
          complete: () => undefined,
        },
      ),
    );
    await Promise.all(firsts);
    expect(inboxes[0]![0]!.data!.overviewChanged.total).toBe(inboxes[1]![0]!.data!.overviewChanged.total);
    expect(live.hub.stats()).toMatchObject({ topics: 1, subscribers: 2 });

    const more = syntheticRatings(10, 3);
    await storeRollups(app.orm, more);
    const seconds = [nextMessage(0), nextMessage(1)];
    app.bus.publish({ kind: 'rating', scopes: ['T'], at: Date.now(), origin: 'test' });
    await Promise.all(seconds);
    for (const inbox of inboxes) {
      expect(inbox[1]!.data!.overviewChanged.total).toBe(inbox[0]!.data!.overviewChanged.total + naive(more, 'T').length);
      expect(inbox[1]!.data!.overviewChanged.seq).toBeGreaterThan(inbox[0]!.data!.overviewChanged.seq);
    }

    stops.forEach((stop) => stop());
    await Promise.all(clients.map((c) => c.dispose()));
    await server.dispose();
    await new Promise<void>((done) => http.close(() => done()));
    expect(live.hub.stats()).toMatchObject({ topics: 0, subscribers: 0 });
  });
});
