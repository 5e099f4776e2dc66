import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ embedOrigins: ['https://portal.example.gov.cn'] });
});
afterAll(() => server.close());

describe('security headers', () => {
  it('sends them on every response: no sniffing, our own scripts only, no framing', async () => {
    for (const path of ['/healthz', '/graphql?query=%7BsystemInfo%7Bproduct%7D%7D', '/screen']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    }
  });

  it('lets only the configured portals frame the widget', async () => {
    const res = await fetch(`${server.url}/widget?token=x`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://portal.example.gov.cn");
    expect(res.headers.get('x-frame-options')).toBeNull();
  });
});
