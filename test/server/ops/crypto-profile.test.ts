import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm4 } from 'sm-crypto-v2';
import { verifyAuditChain } from '../../../server/src/auth/audit.service.js';
import { digest, PiiCipher, sm3Hex, Sm2Signer, type CryptoProfile } from '../../../server/src/common/crypto.js';
import { DataIntegrityError } from '../../../server/src/common/errors.js';
import type { Em } from '../../../server/src/db/orm.js';
import { OutboxWorker } from '../../../server/src/exchange/outbox.worker.js';
import { throwawayDatabase } from '../../support/database.js';
import { makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { startTestServer, type TestServer, type ThrowawayDatabase } from '../../support/server.js';
import { newService } from '../../support/services.js';

const KEY = Buffer.alloc(32, 7);

/** Changes one character of the ciphertext part of a sealed value. */
function tamper(sealed: string): string {
  const parts = sealed.split('.');
  const body = parts[4]!;
  parts[4] = (body[0] === 'A' ? 'B' : 'A') + body.slice(1);
  return parts.join('.');
}

describe('SM4-GCM as sm-crypto-v2 computes it', () => {
  it('matches the SM4-GCM test vector of RFC 8998 (A.1)', () => {
    const plain = Buffer.from(
      'AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA',
      'hex',
    );
    const out = sm4.encrypt(plain, '0123456789abcdeffedcba9876543210', {
      mode: 'gcm',
      iv: '00001234567800000000abcd',
      associatedData: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
      outputTag: true,
      output: 'array',
    });
    expect(Buffer.from(out.output).toString('hex')).toBe(
      '17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d',
    );
    expect(Buffer.from(out.tag!).toString('hex')).toBe('83de3541e4c2b58177e065a9bf7b62ec');
    expect(sm3Hex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0'); // GB/T 32905 example 1
  });
});

/** A local stand-in of the provincial platform that keeps every request's raw body and SM2 header. */
class SigningStandIn {
  readonly received: Array<{ body: string; signature: string | undefined }> = [];
  private server!: Server;
  url = '';
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const signature = req.headers['x-signature-sm2'];
        this.received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: typeof signature === 'string' ? signature : undefined });
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ code: 200, msg: '成功' }));
      });
    });
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/records`;
    return this;
  }
  close(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }
}

describe.each<[CryptoProfile, CryptoProfile]>([
  ['intl', 'sm'],
  ['sm', 'intl'],
])('CRYPTO_PROFILE=%s (国密 GB/T 39786 / 数据保密性、完整性)', (profile, other) => {
  const pair = Sm2Signer.generate();
  let database: ThrowawayDatabase;
  let server: TestServer;
  let fx: Fixture;
  let province: SigningStandIn;

  beforeAll(async () => {
    province = await new SigningStandIn().start();
    database = await throwawayDatabase();
    server = await startTestServer(
      { cryptoProfile: profile, provinceUrl: province.url, ...(profile === 'sm' ? { sm2PrivateKey: pair.privateKey, sm2PublicKey: pair.publicKey } : {}) },
      undefined,
      { database },
    );
    fx = await makeFixture(server);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await province?.close();
    await database?.drop();
  });

  it('seals personal data with the profile’s cipher, says which in the value, and answers DATA_INTEGRITY for a changed byte (R12)', async () => {
    const cipher = new PiiCipher('k1', KEY, [], profile);
    const sealed = cipher.encrypt('张小三 13812341234');
    expect(sealed.startsWith(profile === 'sm' ? 's1.k1.' : 'v1.k1.')).toBe(true);
    expect(cipher.decrypt(sealed)).toBe('张小三 13812341234');
    expect(() => cipher.decrypt(tamper(sealed))).toThrow(DataIntegrityError);
    try {
      cipher.decrypt(tamper(sealed));
    } catch (err) {
      expect((err as DataIntegrityError).code).toBe('DATA_INTEGRITY');
    }
    // keys:rotate: a value under the old key is resealed under the new one, with the profile's algorithm.
    const rotated = new PiiCipher('k2', Buffer.alloc(32, 9), [['k1', KEY]], profile);
    const resealed = rotated.reseal(sealed)!;
    expect(resealed.startsWith(profile === 'sm' ? 's1.k2.' : 'v1.k2.')).toBe(true);
    expect(rotated.decrypt(resealed)).toBe('张小三 13812341234');
    expect(rotated.reseal(resealed)).toBeNull();
    // Blind indexes (R18 bursts): HMAC-SHA256 or HMAC-SM3, never the same for one value.
    const otherCipher = new PiiCipher('k1', KEY, [], other);
    expect(cipher.blindIndex('mobile:13812341234')).toMatch(/^[0-9a-f]{40}$/);
    expect(cipher.blindIndex('mobile:13812341234')).not.toBe(otherCipher.blindIndex('mobile:13812341234'));
    // Values stored by the server: sealed with the profile's algorithm, readable, and a changed byte is refused.
    await newService(server, fx, { userName: '李四海', mobile: '13900001111' });
    const rows = await (server.app.orm.em.fork() as Em).execute<Array<{ applicant_name_sealed: string }>>(
      "select applicant_name_sealed from case_record where applicant_name_sealed is not null and applicant_name_sealed <> ''",
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.applicant_name_sealed.slice(0, 3)).toBe(profile === 'sm' ? 's1.' : 'v1.');
    const stored = rows[rows.length - 1]!.applicant_name_sealed;
    expect(server.app.cipher.decrypt(stored)).toBe('李四海');
    expect(() => server.app.cipher.decrypt(tamper(stored))).toThrow(DataIntegrityError);
  });

  it('keeps machine keys as SHA-256 or SM3 digests, and a key works (身份鉴别)', async () => {
    const em = server.app.orm.em.fork() as Em;
    const keys = await em.execute<Array<{ key_hash: string }>>('select key_hash from api_key');
    expect(keys.map((k) => k.key_hash)).toContain(profile === 'sm' ? sm3Hex(fx.keys.market) : digest(fx.keys.market));
    expect(keys.map((k) => k.key_hash)).not.toContain(profile === 'sm' ? digest(fx.keys.market) : sm3Hex(fx.keys.market));
    // registerService with the key (newService throws when it is refused).
    await expect(newService(server, fx)).resolves.toMatchObject({ serviceNumber: 1 });
  });

  it('signs every delivery to the provincial platform with SM2 under sm, verified with the public key (R26)', async () => {
    const worker = new OutboxWorker(server.app, { owner: `crypto-${profile}` });
    await worker.drain();
    await worker.close();
    expect(province.received.length).toBeGreaterThan(0);
    for (const { body, signature } of province.received) {
      if (profile === 'intl') {
        expect(signature).toBeUndefined();
        continue;
      }
      expect(signature).toMatch(/^[0-9a-f]+$/);
      expect(Sm2Signer.verify(body, signature!, pair.publicKey)).toBe(true);
      // The signature covers the body: another body, or another key, does not verify.
      expect(Sm2Signer.verify(body.replace('"recordKey"', '"recordKey" '), signature!, pair.publicKey)).toBe(false);
      expect(Sm2Signer.verify(body, signature!, Sm2Signer.generate().publicKey)).toBe(false);
    }
  });

  it('chains the audit trail with SHA-256 or SM3 and audit:verify finds an edited record (安全审计)', async () => {
    await sessionToken(server, 'auditor', 'auditor-pass');
    await sessionToken(server, 'admin', 'admin-pass');
    const report = await verifyAuditChain(server.app);
    expect(report.broken).toBeNull();
    expect(report.checked).toBeGreaterThanOrEqual(2);
    expect(report.alg).toBe(profile === 'sm' ? 'sm3' : 'sha256');
    const em = server.app.orm.em.fork() as Em;
    const rows = await em.execute<Array<{ id: number; hash: string }>>('select id, hash from audit_log order by id');
    for (const row of rows) expect(row.hash).toMatch(profile === 'sm' ? /^sm3:[A-Za-z0-9_-]{43}$/ : /^[0-9a-f]{64}$/);
    const victim = rows[0]!;
    if (server.app.dialect === 'postgresql') {
      await em.execute('alter table audit_log disable trigger audit_log_no_change');
      await em.execute("update audit_log set outcome = 'refused' where id = ?", [victim.id]);
      await em.execute('alter table audit_log enable trigger audit_log_no_change');
    } else {
      await em.execute('drop trigger audit_log_no_update');
      await em.execute("update audit_log set outcome = 'refused' where id = ?", [victim.id]);
    }
    const after = await verifyAuditChain(server.app);
    expect(after.broken?.id).toBe(victim.id);
    expect(after.broken?.reason).toContain('changed');
  });

  it(`refuses to start with CRYPTO_PROFILE=${other} on this database, and starts again with ${profile}`, async () => {
    await server.close();
    const refused = startTestServer({ cryptoProfile: other, ...(other === 'sm' ? { sm2PrivateKey: pair.privateKey } : {}) }, undefined, { database });
    await expect(refused).rejects.toThrow(new RegExp(`created with CRYPTO_PROFILE=${profile}`));
    await expect(refused).rejects.toMatchObject({ code: 'CRYPTO_PROFILE_MISMATCH' });
    server = await startTestServer(
      { cryptoProfile: profile, ...(profile === 'sm' ? { sm2PrivateKey: pair.privateKey, sm2PublicKey: pair.publicKey } : {}) },
      undefined,
      { database },
    );
    expect(server.app.cipher.profile).toBe(profile);
  });
});

describe('a database from before CRYPTO_PROFILE', () => {
  it('counts as intl: data written without the profile row is not read as 国密', async () => {
    const database = await throwawayDatabase();
    try {
      const first = await startTestServer({}, undefined, { database });
      await makeFixture(first);
      await (first.app.orm.em.fork() as Em).execute("delete from app_meta where key = 'crypto_profile'");
      await first.close();
      await expect(startTestServer({ cryptoProfile: 'sm', sm2PrivateKey: Sm2Signer.generate().privateKey }, undefined, { database })).rejects.toThrow(
        /created with CRYPTO_PROFILE=intl/,
      );
    } finally {
      await database.drop();
    }
  });
});
