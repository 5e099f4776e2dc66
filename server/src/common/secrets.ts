import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PiiCipher, Sm2Signer } from './crypto.js';
import type { Config } from './config.js';
import { log } from './logger.js';

interface DevSecrets {
  piiKey: string;
  authSecret: string;
  /** Added the first time a development installation runs with CRYPTO_PROFILE=sm. */
  sm2PrivateKey?: string;
}

/**
 * Keys come from the environment in production. Without them we generate development keys once,
 * keep them in DATA_DIR (so restarts can still read stored data) and warn loudly: such keys are only
 * as safe as the data folder.
 */
export function loadSecrets(config: Config): { cipher: PiiCipher; authSecret: string; signer: Sm2Signer | null } {
  let dev: DevSecrets | undefined;
  const needSm2 = config.cryptoProfile === 'sm' && !config.sm2PrivateKey;
  if (!config.piiKey || !config.authSecret || needSm2) {
    dev = devSecrets(config.dataDir, needSm2);
  }
  if (!config.piiKey || !config.authSecret) {
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
  if (needSm2) log.warn('!!! SM2_PRIVATE_KEY not set: deliveries are signed with a development SM2 key stored in DATA_DIR !!!');
  const sm2Key = config.sm2PrivateKey ?? dev?.sm2PrivateKey;
  return {
    cipher: new PiiCipher(config.piiKey ? config.piiKeyId : 'dev', key, old, config.cryptoProfile),
    authSecret: config.authSecret ?? dev!.authSecret,
    signer: config.cryptoProfile === 'sm' ? new Sm2Signer(sm2Key!, config.sm2PrivateKey ? config.sm2PublicKey : undefined) : null,
  };
}

function devSecrets(dataDir: string, withSm2: boolean): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  let secrets: DevSecrets;
  if (existsSync(file)) {
    secrets = JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
    if (!withSm2 || secrets.sm2PrivateKey) return secrets;
  } else {
    mkdirSync(dataDir, { recursive: true });
    secrets = { piiKey: randomBytes(32).toString('base64'), authSecret: randomBytes(32).toString('base64url') };
  }
  if (withSm2) secrets.sm2PrivateKey = Sm2Signer.generate().privateKey;
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}
