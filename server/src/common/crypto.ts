import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual, scrypt as scryptCb } from 'node:crypto';
import { promisify } from 'node:util';
import { DataIntegrityError } from './errors.js';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

/**
 * Personal data at rest (R12): AES-256-GCM, one random IV per value, the key id stored with the
 * ciphertext so keys can rotate. Format: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts).
 */
export class PiiCipher {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    readonly currentKeyId: string,
    currentKey: Buffer,
    oldKeys: Array<[string, Buffer]> = [],
  ) {
    for (const [id, key] of [[currentKeyId, currentKey] as [string, Buffer], ...oldKeys]) {
      if (key.length !== 32) throw new Error(`PII key ${id} must be 32 bytes (base64 of 32 random bytes)`);
      if (id.includes('.')) throw new Error(`PII key id ${id} must not contain '.'`);
      this.keys.set(id, key);
    }
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
    return ['v1', this.currentKeyId, ...parts].join('.');
  }

  decrypt(sealed: string): string {
    const [version, keyId, iv, tag, body] = sealed.split('.');
    const key = this.keys.get(keyId ?? '');
    if (version !== 'v1' || !key || !iv || !tag || body === undefined) {
      throw new Error(`cannot decrypt a value sealed with key ${keyId ?? '?'}: unknown key or format`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // GCM's tag does not match: a byte of the stored value was changed behind the application's back.
      throw new DataIntegrityError('a stored personal-data value failed its integrity check; it is not shown, and the event is recorded');
    }
  }

  /**
   * A keyed hash (blind index) of a personal value, for finding equal values without storing them (R18:
   * bursts from one phone or address). Keyed with a key derived from the current PII key: it cannot be
   * reversed by hashing every phone number without that key. A new current key gives new hashes (signals
   * then only match values hashed under the same key).
   */
  blindIndex(value: string): string {
    this.indexKey ??= createHmac('sha256', this.keys.get(this.currentKeyId)!).update('haochaping/blind-index/v1').digest();
    return createHmac('sha256', this.indexKey).update(value).digest('hex').slice(0, 40);
  }

  private indexKey: Buffer | undefined;

  /**
   * The value sealed again under the current key, or null when it already is (key rotation: old keys
   * stay readable through PII_OLD_KEYS until `npm run keys:rotate` has resealed everything).
   */
  reseal(sealed: string): string | null {
    return this.keyIdOf(sealed) === this.currentKeyId ? null : this.encrypt(this.decrypt(sealed));
  }

  keyIdOf(sealed: string): string {
    return sealed.split('.')[1] ?? '';
  }
}

/** Password hashing with scrypt (N=2^15); format `scrypt$<salt>$<hash>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: 1 << 15,
    r: 8,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  });
  return timingSafeEqual(expected, actual);
}

/** API keys are stored as SHA-256 digests: they are long random strings, so no slow hash is needed. */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
