import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { serveGraphqlWs, WsConnection, type WsHooks } from '../../../server/src/http/ws-server.js';

/**
 * The graphql-transport-ws keep-alive (http/ws-server.ts): every socket is pinged once per interval
 * and a socket that does not answer is terminated; the pings of many sockets are spread over the
 * interval rather than sent in one burst (a burst to 50,000 sockets would hold back a live fan-out).
 */

const KEEP_ALIVE_MS = 600;
let stop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stop?.();
  stop = null;
});

async function serve(): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, WebSocket: WsConnection });
  await new Promise<void>((done) => wss.once('listening', () => done()));
  const hooks = {
    onOpen: () => true,
    onConnect: async () => true,
    onClose: () => undefined,
  } as unknown as WsHooks<WsConnection>;
  const served = serveGraphqlWs(wss, hooks, { isProd: true, keepAliveMs: KEEP_ALIVE_MS, connectionInitWaitMs: 60_000 });
  stop = () => served.dispose();
  return `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;
}

function open(url: string, autoPong: boolean): Promise<{ socket: WebSocket; pings: number[]; closed: Promise<number> }> {
  const socket = new WebSocket(url, ['graphql-transport-ws'], { autoPong });
  const pings: number[] = [];
  socket.on('ping', () => pings.push(performance.now()));
  const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));
  return new Promise((done, fail) => {
    socket.once('open', () => done({ socket, pings, closed }));
    socket.once('error', fail);
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('graphql-transport-ws keep-alive (R21: screens stay connected)', () => {
  it('keeps a socket that answers pings and terminates one that does not', async () => {
    const url = await serve();
    const alive = await open(url, true);
    const silent = await open(url, false);
    const code = await Promise.race([silent.closed, sleep(KEEP_ALIVE_MS * 4).then(() => -1)]);
    expect(code).toBe(1006); // terminated, no close frame
    await sleep(KEEP_ALIVE_MS * 2);
    expect(alive.socket.readyState).toBe(WebSocket.OPEN);
    expect(alive.pings.length).toBeGreaterThanOrEqual(2);
    alive.socket.close();
  });

  it('pings each socket about once per interval, the sockets at different times across it', async () => {
    const url = await serve();
    const peers = await Promise.all(Array.from({ length: 24 }, () => open(url, true)));
    await sleep(KEEP_ALIVE_MS * 3.5);
    for (const p of peers) expect(p.pings.length).toBeGreaterThanOrEqual(2);
    for (const p of peers) expect(p.pings.length).toBeLessThanOrEqual(5);
    // The first ping of each socket: spread over the interval, not all in one tick.
    const firsts = peers.map((p) => p.pings[0]!);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(KEEP_ALIVE_MS / 3);
    for (const p of peers) p.socket.close();
  });
});
