/**
 * The memory scenario's reference (child process, spawned like the real server with --expose-gc and
 * memory-probe.ts): a bare `ws` server doing the same graphql-transport-ws handshake as the real one —
 * `connection_init` → `connection_ack`, `subscribe` → one `next` (the frame the real server sent) —
 * and nothing else. Gets the frame in HCP_BARE_FRAME; tells the parent its port over IPC.
 */
import { WebSocketServer } from 'ws';
import { requireParent } from './http-post.js';

const toParent = requireParent('bench/load/bare-graphql-ws');

{
  const frame = Buffer.from(process.env.HCP_BARE_FRAME ?? '');
  const ack = Buffer.from('{"type":"connection_ack"}');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text.includes('"connection_init"')) socket.send(ack);
      else if (text.includes('"subscribe"')) socket.send(frame);
    });
  });
  wss.once('listening', () => toParent({ type: 'listening', port: (wss.address() as { port: number }).port }));
}
process.on('SIGTERM', () => process.exit(0));
