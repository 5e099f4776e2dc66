/**
 * The benchmarks' only door into the server and the seeds: every other bench file imports server
 * code from here, never from ../server/src/** or ../seeds/** directly. When the server's modules
 * move or its signatures change, this file is the one to update (re-export from the new place, or
 * put a small adapter here that keeps the bench-facing signature).
 */
import 'reflect-metadata';
import type { App } from '../../server/src/app/app.js';
import * as auth from '../../server/src/auth/auth.service.js';
import type { Actor } from '../../server/src/common/actor.js';
import * as cases from '../../server/src/case/case.service.js';
import type { Config } from '../../server/src/common/config.js';
import type { Em } from '../../server/src/db/orm.js';
import { startServer, type RunningServer } from '../../server/src/app/server.js';
import * as stats from '../../server/src/stats/stats.service.js';
import * as bulletins from '../../server/src/assessment/bulletin.service.js';

export { createApp, type App } from '../../server/src/app/app.js';
export type { Actor } from '../../server/src/common/actor.js';
export { ensureTagDictionary } from '../../server/src/catalog/catalog.service.js';
export type { Config } from '../../server/src/common/config.js';
export type { Em } from '../../server/src/db/orm.js';
export { startServer, type RunningServer } from '../../server/src/app/server.js';
export { DEMO_CREDENTIALS, seedDemo } from '../../seeds/seeder.js';

// The service functions the bench calls with a running server's `app`. They take the app first and
// the rest as the server declares it, so a change in what the server wants as its first argument
// (the app, or a narrower set of dependencies) is handled here, not in the scenarios.

/** The arguments of a service function after its first (the app or its dependencies). */
type AfterApp<F> = F extends (app: never, ...rest: infer R) => unknown ? R : never;

/** The actor of a request's credentials (an `authorization` header value, or an API key). */
export function actorFromCredentials(app: App, ...rest: AfterApp<typeof auth.actorFromCredentials>): Promise<Actor> {
  return auth.actorFromCredentials(app, ...rest);
}

/** Registers (or advances) one service, as the registerService mutation does. */
export function registerService(app: App, ...rest: AfterApp<typeof cases.registerService>): ReturnType<typeof cases.registerService> {
  return cases.registerService(app, ...rest);
}

/** The overview figures, as the overview query answers them. */
export function overview(app: App, ...rest: AfterApp<typeof stats.overview>): ReturnType<typeof stats.overview> {
  return stats.overview(app, ...rest);
}

/** A breakdown, as the breakdown query answers it. */
export function breakdown(app: App, ...rest: AfterApp<typeof stats.breakdown>): ReturnType<typeof stats.breakdown> {
  return stats.breakdown(app, ...rest);
}

/** A trend, as the trend query answers it. */
export function trend(app: App, ...rest: AfterApp<typeof stats.trend>): ReturnType<typeof stats.trend> {
  return stats.trend(app, ...rest);
}

/** Hot tags, as the hotTags query answers them. */
export function hotTags(app: App, ...rest: AfterApp<typeof stats.hotTags>): ReturnType<typeof stats.hotTags> {
  return stats.hotTags(app, ...rest);
}

/** Generates (or regenerates a draft of) a region's bulletin, as the generateBulletin mutation does (no PDF). */
export function generateBulletin(app: App, ...rest: AfterApp<typeof bulletins.generateBulletin>): ReturnType<typeof bulletins.generateBulletin> {
  return bulletins.generateBulletin(app, ...rest);
}

/** A fresh entity manager of `app` (its own identity map), for the bench's plain SQL. */
export function freshEm(app: App): Em {
  return app.orm.em.fork() as Em;
}

/** Settings shared by every database and server of the benchmarks (fixed development keys). */
export function benchConfig(dataDir: string, extra: Partial<Config> = {}): Partial<Config> {
  return {
    dataDir,
    databaseUrl: undefined,
    redisUrl: undefined,
    seedDemo: false,
    piiKey: Buffer.alloc(32, 3).toString('base64'),
    piiKeyId: 'bench',
    authSecret: 'bench-secret-bench-secret-bench-secret',
    ...extra,
  };
}

/** A server on a free loopback port over the SQLite `file` (or `databaseUrl`), no dashboard, no timed jobs. */
export async function startBenchServer(file: string, dataDir: string, extra: Partial<Config> = {}, databaseUrl?: string): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: '127.0.0.1',
    dashboardDir: null,
    scheduleJobs: false,
    sqliteFile: file,
    config: benchConfig(dataDir, { ...extra, ...(databaseUrl ? { databaseUrl } : {}) }),
  });
}

/** Cumulative counters of the rating path's group commit since the server started. */
export interface GroupCommitStats {
  groups: number;
  jobs: number;
  largestGroup: number;
}

/** The group committer's counters (read before and after a run; the bench reports the difference). */
export function groupCommitStats(app: App): GroupCommitStats {
  return { ...app.groupCommit.stats };
}
