import { describe, expect, it } from 'vitest';
import { ApiKeyCache, type ApiKeyFound } from '../../../server/src/auth/auth.service.js';
import { ChangeBus } from '../../../server/src/common/pubsub.js';

const found: ApiKeyFound = { actor: { role: 'system', label: 'apikey:1', apiKeyId: 1 }, expiresAt: null };

// Department systems and devices send with API keys (R8): every request reads its key from this cache.
describe('API key cache (R8)', () => {
  it('loads an unknown key once for all the requests that wait for it', async () => {
    const cache = new ApiKeyCache(new ChangeBus('a'));
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((done) => setTimeout(done, 5));
      return found;
    };
    const actors = await Promise.all(Array.from({ length: 20 }, () => cache.lookup('h1', load, 0)));
    expect(actors.every((a) => a?.apiKeyId === 1)).toBe(true);
    expect(loads).toBe(1);
    await cache.lookup('h1', load, 0);
    expect(loads).toBe(1);
  });

  it('does not remember a load that failed (the database was away): the next request loads again', async () => {
    const cache = new ApiKeyCache();
    let loads = 0;
    const failing = async (): Promise<ApiKeyFound | null> => {
      loads += 1;
      throw new Error('database unavailable');
    };
    await expect(cache.lookup('h2', failing, 0)).rejects.toThrow('database unavailable');
    expect(await cache.lookup('h2', async () => found, 0)).toMatchObject({ apiKeyId: 1 });
    expect(loads).toBe(1);
  });

  it('refuses a revoked key at once here and on the other servers that hear the change bus', async () => {
    // Two servers: each its own cache; the bus stands for the Redis bridge between them (tested on its own).
    const bus = new ChangeBus('a');
    const here = new ApiKeyCache(bus);
    const there = new ApiKeyCache(bus);
    let revoked = false;
    const load = async () => (revoked ? null : found);
    expect(await here.lookup('h3', load, 0)).not.toBeNull();
    expect(await there.lookup('h3', load, 0)).not.toBeNull();
    revoked = true;
    expect(await there.lookup('h3', load, 0)).not.toBeNull(); // cached: nobody told it yet
    here.forget('h3');
    expect(await here.lookup('h3', load, 0)).toBeNull();
    expect(await there.lookup('h3', load, 0)).toBeNull();
    here.close();
    there.close();
  });

  it("judges a rotated key's end by the app's clock", async () => {
    const cache = new ApiKeyCache();
    const rotated = async (): Promise<ApiKeyFound> => ({ ...found, expiresAt: 1_000 });
    expect(await cache.lookup('h4', rotated, 999)).not.toBeNull();
    expect(await cache.lookup('h4', rotated, 1_000)).toBeNull();
  });

  it('remembers the digest of a secret seen before', () => {
    const cache = new ApiKeyCache();
    let digests = 0;
    const digest = (s: string) => {
      digests += 1;
      return `d(${s})`;
    };
    expect(cache.digestOf('secret', digest)).toBe('d(secret)');
    expect(cache.digestOf('secret', digest)).toBe('d(secret)');
    expect(digests).toBe(1);
  });
});
