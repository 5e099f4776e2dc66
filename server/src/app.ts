import { join } from 'node:path';
import { loadConfig, type Config } from './common/config.js';
import { systemClock, type Clock } from './common/clock.js';
import { ChangeBus } from './common/pubsub.js';
import { loadSecrets } from './common/secrets.js';
import type { PiiCipher } from './common/crypto.js';
import { TokenService } from './auth/tokens.js';
import { startCheckpointer } from './db/checkpointer.js';
import { dialectOf, openDatabase, type Dialect, type Orm } from './db/orm.js';
import { installRectification } from './rectification/rectification.module.js';

/** The long-lived parts of one server process, handed to resolvers through the context. */
export interface App {
  config: Config;
  orm: Orm;
  dialect: Dialect;
  clock: Clock;
  cipher: PiiCipher;
  tokens: TokenService;
  bus: ChangeBus;
  /** Unique per process: tells our own events apart from other servers' on Redis. */
  instanceId: string;
  close(): Promise<void>;
}

export interface AppOptions {
  config?: Partial<Config>;
  clock?: Clock;
  /** SQLite file override (tests use a temp file or ':memory:'). */
  sqliteFile?: string;
}

export async function createApp(options: AppOptions = {}): Promise<App> {
  const config: Config = { ...loadConfig(), ...options.config };
  const clock = options.clock ?? systemClock;
  const target = {
    databaseUrl: config.databaseUrl,
    sqliteFile: options.sqliteFile ?? join(config.dataDir, 'haochaping.sqlite'),
  };
  const orm = await openDatabase(target);
  const { cipher, authSecret } = loadSecrets(config);
  const closers: Array<() => Promise<void>> = [() => orm.close(true)];
  if (dialectOf(target) === 'sqlite' && target.sqliteFile !== ':memory:') {
    const checkpointer = startCheckpointer(target.sqliteFile);
    closers.push(() => checkpointer.stop());
  }
  const app: App = {
    config, orm, clock, cipher,
    dialect: dialectOf(target),
    tokens: new TokenService(authSecret, clock),
    bus: new ChangeBus(),
    instanceId: `${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
  installRectification(app);
  return app;
}
