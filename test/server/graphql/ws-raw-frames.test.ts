import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SharedWriter, SocketSink, type LiveSocket } from '../../../server/src/graphql/live-adapter.js';
import { LivePayload } from '../../../server/src/stats/live-hub.js';

/**
 * The live fan-out writes ready frames straight to the TCP stream under `ws` (R21: one shared frame per
 * update, the cost of a bare broadcast), relying on `ws` 8.23's private fields. These tests run a real
 * `ws` pair: if an upgrade of `ws` renames those fields, the first test fails (frames would silently go
 * the slow way); the second checks that a socket `ws` must frame itself (compression) is left to `ws`.
 */

let servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers) {
    for (const client of server.clients) client.terminate();
    await new Promise((done) => server.close(done));
  }
  servers = [];
});

/** A connected pair: the server's socket and the client's, with what the client receives. */
async function pair(perMessageDeflate: boolean): Promise<{ socket: WebSocket; received: string[]; next: () => Promise<string> }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
  servers.push(server);
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`, { perMessageDeflate });
  const [socket] = (await accepted) as [WebSocket];
  await once(client, 'open');
  const received: string[] = [];
  const waiting: Array<(text: string) => void> = [];
  client.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    const waiter = waiting.shift();
    if (waiter) waiter(text);
    else received.push(text);
  });
  const next = () => (received.length ? Promise.resolve(received.shift()!) : new Promise<string>((resolve) => waiting.push(resolve)));
  return { socket, received, next };
}

function payload(seq: number, text: string): LivePayload {
  return new LivePayload(seq, {}, { data: { overviewChanged: { total: seq, label: text } } });
}

describe('live frames on a real ws socket (R21)', () => {
  it('go straight to the TCP stream, whole and in order, without ws framing each one', async () => {
    const { socket, next } = await pair(false);
    const send = vi.spyOn(socket, 'send');
    const sink = new SocketSink(new SharedWriter(256 * 1024, 50), '1', socket as unknown as LiveSocket);
    const long = '好评'.repeat(40_000); // a frame with the 64-bit length
    sink.deliver(payload(1, 'short'));
    sink.deliver(payload(2, long));
    sink.deliver(payload(3, 'x'.repeat(300))); // the 16-bit length
    expect(JSON.parse(await next())).toEqual({ id: '1', type: 'next', payload: { data: { overviewChanged: { total: 1, label: 'short' } } } });
    expect(JSON.parse(await next()).payload.data.overviewChanged).toEqual({ total: 2, label: long });
    expect(JSON.parse(await next()).payload.data.overviewChanged.total).toBe(3);
    expect(send).not.toHaveBeenCalled();
  });

  it('go through ws when it must frame them itself (permessage-deflate), arriving the same', async () => {
    const { socket, next } = await pair(true);
    const send = vi.spyOn(socket, 'send');
    const sink = new SocketSink(new SharedWriter(256 * 1024, 50), '7', socket as unknown as LiveSocket);
    sink.deliver(payload(1, '差评整改'));
    expect(JSON.parse(await next())).toEqual({ id: '7', type: 'next', payload: { data: { overviewChanged: { total: 1, label: '差评整改' } } } });
    expect(send).toHaveBeenCalledTimes(1);
  });
});
