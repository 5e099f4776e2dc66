import { verifyPassword } from '../common/crypto.js';
import { ApiKeySchema, AppUserSchema } from '../auth/auth.entities.js';
import type { Em } from '../db/orm.js';
import { DEMO_CREDENTIALS, isDemo } from '../../../seeds/seeder.js';
import type { App } from './app.js';

/** Why a production start is refused: one sentence per problem, each saying what to do. */
export async function productionProblems(app: App): Promise<string[]> {
  const { config } = app;
  const problems: string[] = [];
  if (!config.piiKey || !config.authSecret) {
    problems.push('PII_KEY and AUTH_SECRET must be set: without them the server would use development keys kept beside the database');
  } else if (config.authSecret.length < 32) {
    problems.push('AUTH_SECRET must have at least 32 characters (e.g. `openssl rand -base64 32`)');
  }
  if (config.cryptoProfile === 'sm' && !config.sm2PrivateKey) {
    problems.push('CRYPTO_PROFILE=sm needs SM2_PRIVATE_KEY (and SM2_PUBLIC_KEY): without it deliveries would be signed with a development key');
  }
  if (config.seedDemo) problems.push('SEED_DEMO must be off: demo data has no place in production');
  if (await isDemo(app)) problems.push('this database holds the demo city (演示数据): start on an empty database');
  const em = app.orm.em.fork() as Em;
  for (const cred of Object.values(DEMO_CREDENTIALS)) {
    if (typeof cred === 'string') {
      if (await em.findOne(ApiKeySchema, { keyHash: app.cipher.digest(cred), revoked: false })) problems.push('a demo API key is active: revoke it');
      continue;
    }
    const user = await em.findOne(AppUserSchema, { username: cred.username, disabled: false });
    if (user && (await verifyPassword(cred.password, user.passwordHash))) {
      problems.push(`the account ${cred.username} still has its demo (default) password: reset it or disable the account`);
    }
  }
  return problems;
}
