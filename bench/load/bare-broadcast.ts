/**
 * Load worker: a bare `ws` server (no GraphQL, no protocol) that sends one frame to every client on
 * connecting and again, with a new total, whenever the parent says so. Several of these make the
 * reference broadcast for more sockets than one process may hold.
 */
import { WebSocketServer } from 'ws';
import type { FromBare, ToBare } from './protocol.js';

let wss: WebSocketServer | null = null;
let frame = '';
let current = Buffer.alloc(0);

const send = (m: FromBare) => process.send?.(m);
/** The captured frame with the total counting up as it did for the server: the same size and shape. */
const frameWith = (total: number) => Buffer.from(frame.replace(/"total":\d+/, `"total":${total}`));

process.on('message', (m: ToBare) => {
  if (m.type === 'listen') {
    frame = m.frame;
    current = Buffer.from(frame);
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    wss.on('connection', (socket) => socket.send(current));
    wss.once('listening', () => send({ type: 'listening', port: (wss!.address() as { port: number }).port }));
  } else if (m.type === 'send') {
    current = frameWith(m.total);
    for (const socket of wss?.clients ?? []) socket.send(current);
  } else {
    for (const socket of wss?.clients ?? []) socket.terminate();
    wss?.close(() => process.exit(0));
    if (!wss) process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
