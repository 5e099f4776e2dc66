import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PiiCipher } from './crypto.js';
import type { Config } from './config.js';
import { log } from './logger.js';

interface DevSecrets {
  piiKey: string;
  authSecret: string;
}

/**
 * Keys come from the environment in production. Without them we generate development keys once,
 * keep them in DATA_DIR (so restarts can still read stored data) and warn loudly: such keys are only
 * as safe as the data folder.
 */
export function loadSecrets(config: Config): { cipher: PiiCipher; authSecret: string } {
  let dev: DevSecrets | undefined;
  if (!config.piiKey || !config.authSecret) {
    dev = devSecrets(config.dataDir);
    log.warn('!!! PII_KEY and/or AUTH_SECRET not set: using generated development keys stored in DATA_DIR. ' + 'Set both in production (see README) !!!', {
      file: join(config.dataDir, 'dev-secrets.json'),
    });
  }
  const key = Buffer.from(config.piiKey ?? dev!.piiKey, 'base64');
  const old = (config.piiOldKeys ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair): [string, Buffer] => {
      const [id, value] = pair.split(':');
      return [id ?? '', Buffer.from(value ?? '', 'base64')];
    });
  return {
    cipher: new PiiCipher(config.piiKey ? config.piiKeyId : 'dev', key, old),
    authSecret: config.authSecret ?? dev!.authSecret,
  };
}

function devSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets = { piiKey: randomBytes(32).toString('base64'), authSecret: randomBytes(32).toString('base64url') };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}
