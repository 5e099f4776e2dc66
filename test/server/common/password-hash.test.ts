import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_HASH_COST, hashPassword, verifyPassword } from '../../../server/src/common/crypto.js';

describe('password hashes carry their own cost (PASSWORD_HASH_COST)', () => {
  it('hashes with the cost it is given, so two apps with different settings never share one', async () => {
    const low = await hashPassword('correct horse', 11);
    const usual = await hashPassword('correct horse', DEFAULT_PASSWORD_HASH_COST);
    expect(low).toMatch(/^scrypt-n11\$/);
    expect(usual).toMatch(/^scrypt\$/);
    // Each verifies with the N it was made with, whatever a server's setting is now.
    expect(await verifyPassword('correct horse', low)).toBe(true);
    expect(await verifyPassword('correct horse', usual)).toBe(true);
    expect(await verifyPassword('wrong horse', low)).toBe(false);
  });

  it('refuses a stored hash that names a cost outside 2^10…2^20', async () => {
    const low = await hashPassword('pw', 11);
    expect(await verifyPassword('pw', low.replace('scrypt-n11$', 'scrypt-n9$'))).toBe(false);
    expect(await verifyPassword('pw', low.replace('scrypt-n11$', 'scrypt-n21$'))).toBe(false);
  });
});
