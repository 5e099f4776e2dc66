import { readFileSync } from 'node:fs';
import type { Em } from './server.js';

/** Linux clock ticks (USER_HZ) in milliseconds. */
const TICK_MS = 10;

/** CPU milliseconds (user + system) a process has used, from /proc; null when it is gone or not Linux. */
function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/**
 * CPU used during a run by this process (the server runs in it; the load generator is a child) and by
 * the PostgreSQL backends serving this database: a figure per rating that the load of other processes
 * on a shared machine moves far less than the throughput. Backends that start during the run count
 * from zero; backends that end during it are missed.
 */
export async function cpuMeter(em: Em | null): Promise<{ stop(): Promise<{ serverMs: number; postgresMs: number | null }> }> {
  const backends = async () => {
    if (!em) return new Map<number, number>();
    const rows = await em.execute<Array<{ pid: number }>>('select pid from pg_stat_activity where datname = current_database()');
    return new Map(rows.map((r) => [Number(r.pid), processCpuMs(Number(r.pid)) ?? 0]));
  };
  const start = process.cpuUsage();
  const before = await backends();
  return {
    stop: async () => {
      const used = process.cpuUsage(start);
      const after = await backends();
      let postgresMs = 0;
      for (const [pid, ms] of after) postgresMs += ms - (before.get(pid) ?? 0);
      return { serverMs: (used.user + used.system) / 1000, postgresMs: em ? postgresMs : null };
    },
  };
}
