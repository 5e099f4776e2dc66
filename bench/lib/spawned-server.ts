/**
 * The real server entry (`server/src/main.ts`, under tsx) as a child process: one server, or with
 * `workers` > 1 the node:cluster primary and its workers on one port. Resolves once every worker listens.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { MemorySample } from '../load/protocol.js';
import { askMemory, PROBE_NODE_ARGS } from './memory.js';
import { ROOT } from './util.js';

export interface SpawnedServer {
  url: string;
  pid: number;
  /** With `memoryProbe`: the process's memory right after full GCs (over IPC, see bench/load/memory-probe.ts). */
  memory(): Promise<MemorySample>;
  close(): Promise<void>;
}

export interface SpawnOptions {
  databaseUrl: string;
  redisUrl: string;
  dataDir: string;
  workers: number;
  /** Further settings (environment variables). */
  env?: Record<string, string>;
  /** Run with --expose-gc and bench/load/memory-probe.ts over an IPC channel (one process only: workers 1). */
  memoryProbe?: boolean;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function spawnServer(options: SpawnOptions): Promise<SpawnedServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    WORKERS: String(options.workers),
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    DATA_DIR: options.dataDir,
    SEED_DEMO: 'false',
    SERVE_DASHBOARD: 'false',
    // The fixed keys of benchConfig (lib/server.ts): the seeded data was sealed with them.
    PII_KEY: Buffer.alloc(32, 3).toString('base64'),
    PII_KEY_ID: 'bench',
    AUTH_SECRET: 'bench-secret-bench-secret-bench-secret',
    // The clients come from a few loopback addresses: the per-address limit is not what is measured.
    WS_MAX_CONNECTIONS_PER_IP: '1000000',
    RATE_LIMIT_NAMESPACE: `bench${Math.random().toString(36).slice(2, 8)}`,
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const probe = options.memoryProbe === true;
  if (probe && options.workers > 1) throw new Error('memoryProbe: one server process only (WORKERS=1)');
  const child = spawn(process.execPath, [...(probe ? PROBE_NODE_ARGS : ['--import', 'tsx']), join(ROOT, 'server', 'src', 'main.ts')], {
    cwd: ROOT,
    env,
    stdio: probe ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let listening = 0;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) if (line.includes('"msg":"haochaping listening on')) listening += 1;
      if (listening >= options.workers) resolve();
    });
    void exited.then((code) => reject(new Error(`the server exited (${code}) before ${options.workers} worker(s) listened`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    memory() {
      if (!probe) return Promise.reject(new Error('the server was spawned without memoryProbe'));
      return askMemory(child);
    },
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
