import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createApp, type App, type AppOptions } from './app.js';
import { ensureTagDictionary } from './catalog/catalog.service.js';
import { log } from './common/logger.js';
import type { Em } from './db/orm.js';
import { createHttpServer } from './http/server.js';
import { recordDueDefaults } from './rating/defaults.service.js';
import { escalateOverdue } from './rectification/rectification.service.js';
import { isDemo, printCredentials, seedDemoIfEmpty } from './seed.js';
import { startRedisBridge } from './stats/redis-bridge.js';

export interface RunningServer {
  app: App;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartOptions extends AppOptions {
  port?: number;
  host?: string;
  /** Folder of the built dashboard; defaults to dist/dashboard when it exists. */
  dashboardDir?: string | null;
  /** Run the R11 default job on a timer (off in tests, which call it directly). */
  scheduleJobs?: boolean;
}

const DEFAULTS_JOB_MS = 10 * 60_000;
const RECTIFICATION_JOB_MS = 5 * 60_000;

/** Starts one server: database (migrated), tag dictionary, demo data when empty, HTTP + WebSocket. */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const app = await createApp(options);
  await ensureTagDictionary(app.orm.em.fork() as Em);
  if (app.config.seedDemo && !(await seedDemoIfEmpty(app)) && (await isDemo(app))) printCredentials();
  const dashboardDir = options.dashboardDir === undefined ? findDashboard() : options.dashboardDir;
  const stopBridge = await startRedisBridge(app);
  const http = await createHttpServer(app, dashboardDir);
  const port = options.port ?? app.config.port;
  await new Promise<void>((done) => http.server.listen(port, options.host ?? app.config.host, done));
  const actualPort = (http.server.address() as AddressInfo).port;
  const timers: NodeJS.Timeout[] = [];
  if (options.scheduleJobs ?? true) timers.push(scheduleDefaults(app), scheduleRectification(app));
  return {
    app, port: actualPort, url: `http://127.0.0.1:${actualPort}`,
    async close() {
      timers.forEach(clearInterval);
      await http.close();
      await new Promise<void>((done) => http.server.close(() => done()));
      await stopBridge();
      await app.close();
    },
  };
}

/** R16: overdue rectification cases are marked and escalated every few minutes. */
function scheduleRectification(app: App): NodeJS.Timeout {
  const run = () => escalateOverdue(app).catch((err) => log.error('rectification overdue job failed', { error: String(err) }));
  void run();
  return setInterval(run, RECTIFICATION_JOB_MS).unref();
}

function scheduleDefaults(app: App): NodeJS.Timeout {
  const run = () => recordDueDefaults(app).catch((err) => log.error('default rating job failed', { error: String(err) }));
  void run();
  return setInterval(run, DEFAULTS_JOB_MS).unref();
}

function findDashboard(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve('dist/dashboard'), join(here, '../../dashboard')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

const isEntry = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  const started = Date.now();
  startServer().then((running) => {
    log.info(`haochaping listening on ${running.url} (GraphQL at /graphql, big screen at /screen)`, {
      database: running.app.dialect, startupMs: Date.now() - started,
    });
    // Ctrl-C under `npm start` reaches the server twice (from the terminal and from npm): stop once.
    let stopping: Promise<void> | null = null;
    const stop = () => {
      stopping ??= running.close().then(() => process.exit(0), (err: unknown) => {
        log.error('error while stopping', { error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }).catch((err) => {
    log.error('failed to start', { error: err instanceof Error ? err.stack : String(err) });
    process.exit(1);
  });
}
