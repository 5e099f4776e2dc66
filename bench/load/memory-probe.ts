/**
 * Preloaded (`--import`) into a process the memory scenario spawns with `--expose-gc` and an IPC
 * channel (the real server, or bare-graphql-ws.ts): on `{ type: 'memory' }` from the parent it runs
 * full garbage collections and answers with `process.memoryUsage()`. Nothing is listened on: only the
 * process that spawned it can ask, so the server gets no new endpoint. Inert without IPC or gc.
 */
import type { MemorySample } from './protocol.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (process.send && gc) {
  process.on('message', (m: { type?: string }) => {
    if (m?.type !== 'memory') return;
    // Twice, a tick apart: the second collects what finalizers of the first released.
    gc();
    setImmediate(() => {
      gc();
      const u = process.memoryUsage();
      const sample: MemorySample = {
        type: 'memory',
        rss: u.rss,
        heapUsed: u.heapUsed,
        heapTotal: u.heapTotal,
        external: u.external,
        arrayBuffers: u.arrayBuffers,
      };
      process.send!(sample);
    });
  });
  // The channel must not keep the process alive (the server stops on SIGTERM as usual).
  process.channel?.unref();
}
