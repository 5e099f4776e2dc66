/**
 * The parent side of bench/load/memory-probe.ts: the node flags that load it into a spawned process,
 * and the request for one sample over that process's IPC channel.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { MemorySample } from '../load/protocol.js';
import { ROOT } from './util.js';

/** Node flags of a process the memory scenario measures: gc exposed, tsx, then the probe. */
export const PROBE_NODE_ARGS = ['--expose-gc', '--import', 'tsx', '--import', join(ROOT, 'bench', 'load', 'memory-probe.ts')];

/** Asks the probe in `child` for its memory after full GCs. */
export function askMemory(child: ChildProcess, timeoutMs = 60_000): Promise<MemorySample> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.off('message', listener);
      fail(new Error(`no memory sample from pid ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (m: { type?: string }) => {
      if (m?.type !== 'memory') return;
      clearTimeout(timer);
      child.off('message', listener);
      done(m as MemorySample);
    };
    child.on('message', listener);
    child.send({ type: 'memory' });
  });
}
