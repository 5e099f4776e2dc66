/** V8 CPU profiles of this process (the server runs in it): saved under bench/.data/profiles and summarised. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { DATA, ROOT } from './util.js';

export interface ProfileEntry {
  fn: string;
  selfMs: number;
  share: number;
}
export interface ProfileSummary {
  file: string;
  top: ProfileEntry[];
  inclusive?: ProfileEntry[];
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Starts the V8 sampling profiler of this process; `stop` saves it under bench/.data/profiles and summarises it. */
export async function startProfile(name: string): Promise<{ stop(): Promise<ProfileSummary> }> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 500 });
  await post(session, 'Profiler.start');
  return {
    async stop() {
      const { profile: raw } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
      session.disconnect();
      mkdirSync(join(DATA, 'profiles'), { recursive: true });
      const file = join(DATA, 'profiles', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
      writeFileSync(file, JSON.stringify(raw));
      return { file: file.slice(ROOT.length + 1), top: topFunctions(raw, 20), inclusive: inclusiveFunctions(raw, 25) };
    },
  };
}

function post<T = unknown>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((done, fail) => session.post(method, params ?? {}, (err, result) => (err ? fail(err) : done(result as T))));
}

const frameName = (node: CpuProfile['nodes'][number]) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};

/** Time spent in a function or anything it called (each sample counted once per function), the largest first. */
function inclusiveFunctions(profile: CpuProfile, limit: number): ProfileEntry[] {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...byNode.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  for (const [id, us] of byNode) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = frameName(byId.get(at)!);
      if (name === '(root)' || seen.has(name)) continue;
      seen.add(name);
      byFn.set(name, (byFn.get(name) ?? 0) + us);
    }
  }
  return [...byFn]
    .filter(([fn]) => !fn.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, us]) => ({ fn, selfMs: Math.round(us / 1000), share: Math.round((us / total) * 1000) / 10 }));
}

/** Self time per function (name and file), the largest first. */
function topFunctions(profile: CpuProfile, limit: number): ProfileEntry[] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    total += us;
    const key = frameName(node);
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  return [...byFn]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, us]) => ({ fn, selfMs: Math.round(us / 1000), share: Math.round((us / total) * 1000) / 10 }));
}
