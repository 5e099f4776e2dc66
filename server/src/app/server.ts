import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { ensureTagDictionary } from '../catalog/catalog.service.js';
import { startRedisBridge } from '../common/redis-bridge.js';
import type { Em } from '../db/orm.js';
import { createHttpServer } from '../http/server.js';
import { recordDueDefaults } from '../rating/defaults.service.js';
import { OutboxWorker } from '../exchange/outbox.worker.js';
import { runFraudJob } from '../integrity/fraud.service.js';
import { sendDueSmsInvites } from '../exchange/sms.service.js';
import { draftLastMonthBulletins } from '../assessment/bulletin.service.js';
import { escalateOverdue } from '../rectification/rectification.service.js';
import { retentionAudited } from '../auth/maintenance.service.js';
import { isDemo, printCredentials, seedDemoIfEmpty } from '../../../seeds/seeder.js';
import { createApp, type App, type AppOptions } from './app.js';
import { productionProblems } from './production.js';

export interface RunningServer {
  app: App;
  /** The outbox delivery worker of this server, or null when it does not run one. */
  outboxWorker: OutboxWorker | null;
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
  /** Run the outbox delivery worker (R17, R26); defaults to `scheduleJobs`. */
  outboxWorker?: boolean;
}

/** NODE_ENV=production does not start with development keys, demo data or default passwords. */
async function refuseUnsafeProduction(app: App): Promise<void> {
  const problems = await productionProblems(app);
  if (problems.length === 0) return;
  await app.close();
  throw new Error(`refusing to start in production (NODE_ENV=production):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

const DEFAULTS_JOB_MS = 10 * 60_000;
const RECTIFICATION_JOB_MS = 5 * 60_000;
/** R18: fraud detection over this month, a few times a day (a run reads the month's ratings). */
const FRAUD_JOB_MS = 6 * 3_600_000;
/** R5: SMS invitations for services unrated SMS_INVITE_AFTER_HOURS after completion. */
const SMS_INVITE_JOB_MS = 15 * 60_000;
/** Retention (PIPL): personal data older than RETENTION_DAYS is erased once a day. */
const RETENTION_JOB_MS = 24 * 3_600_000;
const BULLETIN_JOB_MS = 3_600_000;

/** Starts one server: database (migrated), tag dictionary, demo data when empty, HTTP + WebSocket. */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const app = await createApp(options);
  if (app.config.production) await refuseUnsafeProduction(app);
  await ensureTagDictionary(app.orm.em.fork() as Em);
  if (app.config.seedDemo && !(await seedDemoIfEmpty(app)) && (await isDemo(app))) printCredentials();
  const dashboardDir = options.dashboardDir !== undefined ? options.dashboardDir : app.config.serveDashboard ? findDashboard() : null;
  const stopBridge = await startRedisBridge(app.bus, {
    redisUrl: app.config.redisUrl,
    channel: app.config.redisChannel,
    onResync: () => app.liveHub.markAllDirty(),
  });
  const http = await createHttpServer(app, dashboardDir);
  const port = options.port ?? app.config.port;
  await new Promise<void>((done) => http.server.listen(port, options.host ?? app.config.host, done));
  const actualPort = (http.server.address() as AddressInfo).port;
  const timers: NodeJS.Timeout[] = [];
  if (options.scheduleJobs ?? true) {
    timers.push(
      scheduleDefaults(app),
      scheduleRectification(app),
      scheduleFraudDetection(app),
      scheduleSmsInvites(app),
      scheduleRetention(app),
      scheduleBulletins(app),
    );
  }
  const worker = (options.outboxWorker ?? options.scheduleJobs ?? true) ? new OutboxWorker(app).start() : null;
  return {
    app,
    outboxWorker: worker,
    port: actualPort,
    url: `${app.config.tlsCert && app.config.tlsKey ? 'https' : 'http'}://127.0.0.1:${actualPort}`,
    // Reverse order of starting: jobs, then clients (HTTP and WebSocket), the Redis bridge, the app's parts.
    async close() {
      timers.forEach(clearInterval);
      // Records in flight are marked before the database closes: an acknowledged record is never sent again.
      await worker?.close();
      await http.close();
      await new Promise<void>((done) => http.server.close(() => done()));
      await stopBridge();
      await app.close();
    },
  };
}

/** R16: overdue rectification cases are marked and escalated every few minutes. */
function scheduleRectification(app: App): NodeJS.Timeout {
  const run = () => escalateOverdue(app).catch((err) => app.logger.error('rectification overdue job failed', { error: String(err) }));
  void run();
  return setInterval(run, RECTIFICATION_JOB_MS).unref();
}

/** R18: the fraud detectors run over this month every few hours (not at start: a run reads a month of ratings). */
function scheduleFraudDetection(app: App): NodeJS.Timeout {
  const run = () => runFraudJob(app).catch((err) => app.logger.error('fraud detection job failed', { error: String(err) }));
  return setInterval(run, FRAUD_JOB_MS).unref();
}

/** R5: due SMS invitations are written (and sent) every quarter of an hour; each service is invited once. */
function scheduleSmsInvites(app: App): NodeJS.Timeout {
  const run = () => sendDueSmsInvites(app).catch((err) => app.logger.error('SMS invitation job failed', { error: String(err) }));
  return setInterval(run, SMS_INVITE_JOB_MS).unref();
}

/** Retention: once a day (and not at start: several servers restarting together need not all run it). */
function scheduleRetention(app: App): NodeJS.Timeout {
  const run = () =>
    retentionAudited(app, app.clock.now(), app.config.retentionDays).then(
      (r) => r.ratings + r.cases > 0 && app.logger.info('retention job anonymised old personal data', { ratings: r.ratings, cases: r.cases }),
      (err: unknown) => app.logger.error('retention job failed', { error: String(err) }),
    );
  return setInterval(run, RETENTION_JOB_MS).unref();
}

/** Bulletins (通报): last month's draft of every city, checked hourly (so on the 1st, and after downtime). */
function scheduleBulletins(app: App): NodeJS.Timeout {
  const run = () =>
    draftLastMonthBulletins(app)
      .then((n) => n && app.logger.info('bulletin drafts generated', { count: n }))
      .catch((err) => app.logger.error('bulletin job failed', { error: String(err) }));
  return setInterval(run, BULLETIN_JOB_MS).unref();
}

function scheduleDefaults(app: App): NodeJS.Timeout {
  const run = () => recordDueDefaults(app).catch((err) => app.logger.error('default rating job failed', { error: String(err) }));
  void run();
  return setInterval(run, DEFAULTS_JOB_MS).unref();
}

function findDashboard(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve('dist/dashboard'), join(here, '../../../dashboard')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}
