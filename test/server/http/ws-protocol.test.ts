import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../support/server.js';

/**
 * The graphql-transport-ws protocol as the server speaks it (http/ws-server.ts): the messages and
 * close codes of graphql-ws, which the dashboard's and the screens' clients rely on.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

interface Peer {
  socket: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  /** The next message of `type` (already received or coming). */
  next(type: string): Promise<Record<string, unknown>>;
}

async function peer(protocols: string[] = ['graphql-transport-ws']): Promise<Peer> {
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, protocols);
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>);
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let seen = 0;
  return {
    socket,
    messages,
    closed,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    async next(type) {
      for (;;) {
        const i = messages.findIndex((m, k) => k >= seen && m.type === type);
        if (i >= 0) {
          seen = i + 1;
          return messages[i]!;
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

async function acknowledged(): Promise<Peer> {
  const p = await peer();
  p.send({ type: 'connection_init', payload: {} });
  await p.next('connection_ack');
  return p;
}

const OVERVIEW = 'subscription { overviewChanged { total seq } }';

describe('graphql-transport-ws on /graphql (R21 live figures)', () => {
  it('acknowledges connection_init and answers ping with pong, echoing its payload', async () => {
    const p = await acknowledged();
    p.send({ type: 'ping', payload: { n: 1 } });
    expect(await p.next('pong')).toEqual({ type: 'pong', payload: { n: 1 } });
    p.send({ type: 'ping' });
    expect(await p.next('pong')).toEqual({ type: 'pong' });
    p.socket.close();
  });

  it('serves a live subscription until the client completes it, then a query with next and complete', async () => {
    const p = await acknowledged();
    p.send({ id: 'a', type: 'subscribe', payload: { query: OVERVIEW } });
    const first = await p.next('next');
    expect(first.id).toBe('a');
    expect((first.payload as { data: { overviewChanged: { total: number } } }).data.overviewChanged.total).toBe(0);
    p.send({ id: 'a', type: 'complete' });
    // The id is free again once completed: the same id subscribes anew and gets the snapshot.
    p.send({ id: 'a', type: 'subscribe', payload: { query: OVERVIEW } });
    expect((await p.next('next')).id).toBe('a');
    p.send({ id: 'q', type: 'subscribe', payload: { query: '{ me { role } }' } });
    expect(await p.next('next')).toEqual({ id: 'q', type: 'next', payload: { data: { me: { role: 'public' } } } });
    expect(await p.next('complete')).toEqual({ id: 'q', type: 'complete' });
    p.socket.close();
  });

  it('completing an id while it starts and subscribing it again leaves exactly one subscription, ended by the next complete', async () => {
    const p = await acknowledged();
    const before = server.app.liveHub.stats().subscribers;
    // Sent back to back: the first subscription is still looking up its topic when it is completed.
    p.send({ id: 'r', type: 'subscribe', payload: { query: OVERVIEW } });
    p.send({ id: 'r', type: 'complete' });
    p.send({ id: 'r', type: 'subscribe', payload: { query: OVERVIEW } });
    expect((await p.next('next')).id).toBe('r');
    await new Promise((done) => setTimeout(done, 200));
    expect(server.app.liveHub.stats().subscribers).toBe(before + 1);
    p.send({ id: 'r', type: 'complete' });
    await new Promise((done) => setTimeout(done, 200));
    expect(server.app.liveHub.stats().subscribers).toBe(before);
    expect(p.messages.filter((m) => m.id === 'r' && m.type === 'next')).toHaveLength(1);
    p.socket.close();
  });

  it('answers a refused operation with a coded error message and keeps the connection', async () => {
    const p = await acknowledged();
    p.send({ id: 'e', type: 'subscribe', payload: { query: 'subscription { nope }' } });
    const error = await p.next('error');
    expect(error.id).toBe('e');
    expect((error.payload as Array<{ extensions: { code: string } }>)[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    p.send({ type: 'ping' });
    await p.next('pong');
    p.socket.close();
  });

  it('closes with 4409 when a subscription id is already in use', async () => {
    const p = await acknowledged();
    p.send({ id: '1', type: 'subscribe', payload: { query: OVERVIEW } });
    await p.next('next');
    p.send({ id: '1', type: 'subscribe', payload: { query: OVERVIEW } });
    expect(await p.closed).toEqual({ code: 4409, reason: 'Subscriber for 1 already exists' });
  });

  it('closes with 4401 on a subscribe before connection_ack', async () => {
    const p = await peer();
    p.send({ id: '1', type: 'subscribe', payload: { query: OVERVIEW } });
    expect(await p.closed).toEqual({ code: 4401, reason: 'Unauthorized' });
  });

  it('closes with 4400 on a message that is not one of the protocol', async () => {
    const p = await peer();
    p.send('{not json');
    expect(await p.closed).toEqual({ code: 4400, reason: 'Invalid message received' });
    const q = await peer();
    q.send({ type: 'dance' });
    expect((await q.closed).code).toBe(4400);
  });

  it('closes with 4429 on a second connection_init and with 4403 on refused credentials', async () => {
    const p = await acknowledged();
    p.send({ type: 'connection_init', payload: {} });
    expect(await p.closed).toEqual({ code: 4429, reason: 'Too many initialisation requests' });
    const q = await peer();
    q.send({ type: 'connection_init', payload: { authorization: 'Bearer not-a-token' } });
    expect(await q.closed).toEqual({ code: 4403, reason: 'Forbidden' });
  });

  it('closes with 4406 a client that does not ask for graphql-transport-ws', async () => {
    const p = await peer([]);
    expect(await p.closed).toEqual({ code: 4406, reason: 'Subprotocol not acceptable' });
  });
});
