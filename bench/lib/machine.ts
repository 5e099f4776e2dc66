/** A description of the machine and checkout a figure was measured on. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { ROOT } from './util.js';

export interface Environment {
  at: string;
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  loadBefore: number[];
  loadAfter?: number[];
  commit: string;
  dirty: boolean;
}

const load = () => loadavg().map((v) => Math.round(v * 100) / 100);

/** Taken when a scenario starts. */
export function environment(): Environment {
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  } catch {
    /* not a checkout */
  }
  return {
    at: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadBefore: load(),
    commit,
    dirty,
  };
}

/** Adds the load average at the end of the scenario. */
export function finishEnvironment(env: Environment): Environment {
  return { ...env, loadAfter: load() };
}
