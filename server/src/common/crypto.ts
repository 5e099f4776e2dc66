import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual, scrypt as scryptCb } from 'node:crypto';
import { promisify } from 'node:util';
import { sm2, sm3, sm4 } from 'sm-crypto-v2';
import { DataIntegrityError } from './errors.js';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

/**
 * The installation's cryptographic profile (CRYPTO_PROFILE), fixed when its database is created:
 * `intl` (AES-256-GCM, SHA-256, HMAC-SHA256) or `sm` (国密, GB/T 39786: SM4-GCM, SM3, HMAC-SM3, SM2).
 */
export type CryptoProfile = 'intl' | 'sm';
export const CRYPTO_PROFILES: readonly CryptoProfile[] = ['intl', 'sm'];

/** SM3 of bytes or UTF-8 text, as hex (GB/T 32905). */
export function sm3Hex(value: string | Uint8Array): string {
  return sm3(typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
}

/** HMAC-SM3 (RFC 2104 with SM3), as bytes. */
export function hmacSm3(key: Uint8Array, value: string | Uint8Array): Buffer {
  return Buffer.from(sm3(typeof value === 'string' ? Buffer.from(value, 'utf8') : value, { key, mode: 'hmac' }), 'hex');
}

/** Sealed-value tag per algorithm: the first part of every sealed value says what sealed it (never guessed). */
const SEAL_TAG: Record<CryptoProfile, string> = { intl: 'v1', sm: 's1' };

/**
 * Personal data at rest (R12): one random IV per value, the key id stored with the ciphertext so keys can
 * rotate. Format `<alg>.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts), where `<alg>` is `v1` for
 * AES-256-GCM and `s1` for SM4-GCM (profile `sm`; the 128-bit SM4 key is HMAC-SM3(PII_KEY, label),
 * truncated). Also the profile's keyed hash (blind index) and digest of API keys.
 */
export class PiiCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly sm4Keys = new Map<string, Buffer>();

  constructor(
    readonly currentKeyId: string,
    currentKey: Buffer,
    oldKeys: Array<[string, Buffer]> = [],
    readonly profile: CryptoProfile = 'intl',
  ) {
    for (const [id, key] of [[currentKeyId, currentKey] as [string, Buffer], ...oldKeys]) {
      if (key.length !== 32) throw new Error(`PII key ${id} must be 32 bytes (base64 of 32 random bytes)`);
      if (id.includes('.')) throw new Error(`PII key id ${id} must not contain '.'`);
      this.keys.set(id, key);
    }
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const data = Buffer.from(plain, 'utf8');
    let tag: Uint8Array;
    let body: Uint8Array;
    if (this.profile === 'sm') {
      const out = sm4.encrypt(data, this.sm4Key(this.currentKeyId), { mode: 'gcm', iv, outputTag: true, output: 'array' });
      [tag, body] = [out.tag!, out.output];
    } else {
      const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
      body = Buffer.concat([cipher.update(data), cipher.final()]);
      tag = cipher.getAuthTag();
    }
    const parts = [iv, tag, body].map((b) => Buffer.from(b).toString('base64url'));
    return [SEAL_TAG[this.profile], this.currentKeyId, ...parts].join('.');
  }

  decrypt(sealed: string): string {
    const [version, keyId, iv, tag, body] = sealed.split('.');
    const key = this.keys.get(keyId ?? '');
    if ((version !== SEAL_TAG.intl && version !== SEAL_TAG.sm) || !key || !iv || !tag || body === undefined) {
      throw new Error(`cannot decrypt a value sealed with key ${keyId ?? '?'}: unknown key or format`);
    }
    try {
      const [ivBytes, tagBytes, bodyBytes] = [iv, tag, body].map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
      if (version === SEAL_TAG.sm) {
        const plain = sm4.decrypt(bodyBytes, this.sm4Key(keyId!), { mode: 'gcm', iv: ivBytes, tag: tagBytes, output: 'array' });
        return Buffer.from(plain).toString('utf8');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, ivBytes);
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(bodyBytes), decipher.final()]).toString('utf8');
    } catch {
      // GCM's tag does not match: a byte of the stored value was changed behind the application's back.
      throw new DataIntegrityError('a stored personal-data value failed its integrity check; it is not shown, and the event is recorded');
    }
  }

  private sm4Key(keyId: string): Buffer {
    let key = this.sm4Keys.get(keyId);
    if (!key) {
      key = hmacSm3(this.keys.get(keyId)!, 'haochaping/sm4-gcm/v1').subarray(0, 16);
      this.sm4Keys.set(keyId, key);
    }
    return key;
  }

  /**
   * A keyed hash (blind index) of a personal value, for finding equal values without storing them (R18:
   * bursts from one phone or address). Keyed with a key derived from the current PII key: it cannot be
   * reversed by hashing every phone number without that key. A new current key gives new hashes (signals
   * then only match values hashed under the same key).
   */
  blindIndex(value: string): string {
    const current = this.keys.get(this.currentKeyId)!;
    if (this.profile === 'sm') {
      this.indexKey ??= hmacSm3(current, 'haochaping/blind-index/v1');
      return hmacSm3(this.indexKey, value).toString('hex').slice(0, 40);
    }
    this.indexKey ??= createHmac('sha256', current).update('haochaping/blind-index/v1').digest();
    return createHmac('sha256', this.indexKey).update(value).digest('hex').slice(0, 40);
  }

  /**
   * Which blind index key hashes now (the profile's algorithm and the current key): a hash kept with
   * this tag (`<tag>:<hash>`) is still what blindIndex would give; one kept under another is stale.
   */
  get blindIndexTag(): string {
    return `${SEAL_TAG[this.profile]}.${this.currentKeyId}`;
  }

  /** The digest API keys are stored and looked up by: SHA-256, or SM3 under `sm` (hex; long random secrets need no slow hash). */
  digest(value: string): string {
    return this.profile === 'sm' ? sm3Hex(value) : digest(value);
  }

  private indexKey: Buffer | undefined;

  /**
   * The value sealed again under the current key (and the profile's algorithm), or null when it already is
   * (key rotation: old keys stay readable through PII_OLD_KEYS until `npm run keys:rotate` has resealed everything).
   */
  reseal(sealed: string): string | null {
    const current = this.keyIdOf(sealed) === this.currentKeyId && sealed.startsWith(`${SEAL_TAG[this.profile]}.`);
    return current ? null : this.encrypt(this.decrypt(sealed));
  }

  keyIdOf(sealed: string): string {
    return sealed.split('.')[1] ?? '';
  }
}

/** R18: the keyed hash of a mobile number (digits only, without a leading 86), never the number; null for one without digits. */
export function mobileBlindIndex(cipher: PiiCipher, mobile: string): string | null {
  const digits = mobile.replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '');
  return digits ? cipher.blindIndex(`mobile:${digits}`) : null;
}

/**
 * The mobile's keyed hash as kept beside the sealed number (`<blindIndexTag>:<hash>`), so a rating
 * need not decrypt the applicant's number; `keptMobileIndex` reads it back while the key still hashes.
 */
export function taggedMobileIndex(cipher: PiiCipher, mobile: string): string | null {
  const hash = mobileBlindIndex(cipher, mobile);
  return hash ? `${cipher.blindIndexTag}:${hash}` : null;
}

/** The hash kept by taggedMobileIndex when it was made under the current key; undefined when stale or absent. */
export function keptMobileIndex(cipher: PiiCipher, kept: string | null): string | undefined {
  const tag = cipher.blindIndexTag;
  return kept && kept.length > tag.length + 1 && kept.startsWith(tag) && kept[tag.length] === ':' ? kept.slice(tag.length + 1) : undefined;
}

/** scrypt cost (log2 N) of password hashes unless PASSWORD_HASH_COST says otherwise; hashes of this cost are `scrypt$…`. */
export const DEFAULT_PASSWORD_HASH_COST = 15;

/**
 * Password hashing with scrypt (N=2^15, r=8, p=1); format `scrypt$<salt>$<hash>`. A hash made with another
 * cost (PASSWORD_HASH_COST, which only the test suite lowers) names it: `scrypt-n<log2 N>$<salt>$<hash>`,
 * so every stored hash verifies with the N it was made with, whatever the setting is now.
 */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, scryptOptions(cost));
  return `${cost === DEFAULT_PASSWORD_HASH_COST ? 'scrypt' : `scrypt-n${cost}`}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  const cost = scheme === 'scrypt' ? DEFAULT_PASSWORD_HASH_COST : /^scrypt-n(1\d|20)$/.test(scheme ?? '') ? Number(scheme!.slice(8)) : null;
  if (cost === null || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, scryptOptions(cost));
  return timingSafeEqual(expected, actual);
}

function scryptOptions(log2N: number): object {
  return { N: 2 ** log2N, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
}

/** SHA-256 digest (hex); API keys go through `PiiCipher.digest`, which follows the profile. */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SM2 signatures (GB/T 32918, profile `sm`) on deliveries to the provincial platform: the signature over
 * the exact request body bytes, with SM3 and the signer's Z value (default ID `1234567812345678`),
 * DER-encoded (GB/T 35276 SM2Signature) and sent as hex in `X-Signature-SM2`.
 */
export class Sm2Signer {
  static readonly HEADER = 'X-Signature-SM2';
  readonly publicKey: string;

  constructor(
    private readonly privateKey: string,
    publicKey?: string,
  ) {
    if (!/^[0-9a-fA-F]{64}$/.test(privateKey)) throw new Error('SM2_PRIVATE_KEY must be 64 hex digits');
    const derived = sm2.getPublicKeyFromPrivateKey(privateKey.toLowerCase());
    if (publicKey && !sm2.comparePublicKeyHex(publicKey.toLowerCase(), derived)) {
      throw new Error('SM2_PUBLIC_KEY is not the public key of SM2_PRIVATE_KEY');
    }
    this.publicKey = derived;
  }

  sign(body: string): string {
    return sm2.doSignature(Buffer.from(body, 'utf8'), this.privateKey.toLowerCase(), { hash: true, der: true, publicKey: this.publicKey });
  }

  static verify(body: string | Uint8Array, signatureHex: string, publicKey: string): boolean {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    try {
      return sm2.doVerifySignature(bytes, signatureHex, publicKey, { hash: true, der: true });
    } catch {
      return false;
    }
  }

  /** A new key pair (hex: private 64 digits, public 130 digits, uncompressed `04…`). */
  static generate(): { privateKey: string; publicKey: string } {
    return sm2.generateKeyPairHex();
  }
}
