import { describe, expect, it } from 'vitest';
import { cacheable, stale, strategyFor } from '../../dashboard/src/sw/sw.logic.js';

const origin = 'http://hall.example:4000';
const get = (path: string, mode = 'no-cors') => ({ method: 'GET', mode, url: origin + path });
const headers = (type: string) => ({ get: (name: string) => (name === 'content-type' ? type : null) });

describe('device service worker', () => {
  it('serves pages network-first with the cached shell, build files cache-first, and never touches /graphql', () => {
    expect(strategyFor(get('/window/1', 'navigate'), origin)).toBe('shell');
    expect(strategyFor(get('/terminal/2?setup', 'navigate'), origin)).toBe('shell');
    expect(strategyFor(get('/assets/DevicePage-abc.js', 'cors'), origin)).toBe('asset');
    expect(strategyFor(get('/assets/noto-sans-sc-1-400-normal-x.woff2'), origin)).toBe('asset');
    expect(strategyFor({ method: 'POST', mode: 'cors', url: `${origin}/graphql` }, origin)).toBe('pass');
    expect(strategyFor(get('/graphql?query=x', 'cors'), origin)).toBe('pass');
    expect(strategyFor(get('/graphql', 'navigate'), origin)).toBe('pass');
    expect(strategyFor(get('/embed.js'), origin)).toBe('pass');
    expect(strategyFor({ method: 'GET', mode: 'cors', url: 'http://cdn.example/assets/x.js' }, origin)).toBe('pass');
  });

  it('caches only real files: never an error, nor the page served for a missing file', () => {
    expect(cacheable({ ok: true, status: 200, headers: headers('text/javascript; charset=utf-8') }, 'asset')).toBe(true);
    expect(cacheable({ ok: true, status: 200, headers: headers('font/woff2') }, 'asset')).toBe(true);
    expect(cacheable({ ok: true, status: 200, headers: headers('text/html; charset=utf-8') }, 'asset')).toBe(false);
    expect(cacheable({ ok: false, status: 404, headers: headers('text/plain') }, 'asset')).toBe(false);
    expect(cacheable({ ok: true, status: 200, headers: headers('text/html; charset=utf-8') }, 'shell')).toBe(true);
    expect(cacheable({ ok: true, status: 206, headers: headers('text/html') }, 'shell')).toBe(false);
  });

  it('drops cached files of older builds', () => {
    expect(stale(['/assets/a-1.js', '/assets/a-2.js', '/assets/f.woff2'], { assets: ['/assets/a-2.js', '/assets/f.woff2'] })).toEqual(['/assets/a-1.js']);
  });
});
