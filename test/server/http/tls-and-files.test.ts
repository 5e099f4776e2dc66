import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Em } from '../../../server/src/db/orm.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const onSqlite = !process.env.DATABASE_URL;

let dir: string;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hcp-tls-'));
  // A self-signed certificate for 127.0.0.1, made for this test only.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  server = await startTestServer({ tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function post(url: string, json: unknown): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(json));
  });
}

describe('transport (通信传输) and files at rest', () => {
  it('serves HTTPS itself when TLS_CERT and TLS_KEY are set, with HSTS and the security headers', async () => {
    expect(server.url).toMatch(/^https:/);
    const res = await post(`${server.url}/graphql`, { query: '{ me { role } }' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ data: { me: { role: 'public' } } });
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('accepts WebSocket connections over TLS (WSS) on the same port', async () => {
    const ws = new WebSocket(`${server.url.replace('https', 'wss')}/graphql`, 'graphql-transport-ws', { rejectUnauthorized: false });
    const ack = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      ws.on('message', (m) => resolve(JSON.parse(m.toString()).type as string));
      ws.on('error', reject);
    });
    ws.close();
    expect(ack).toBe('connection_ack');
  });

  it.runIf(onSqlite)('keeps the database file readable by the server user only, and overwrites deleted rows (secure_delete)', async () => {
    const file = join(server.app.config.dataDir, 'test.sqlite');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const rows = await (server.app.orm.em.fork() as Em).execute<Array<{ secure_delete: number }>>('pragma secure_delete');
    expect(Number(rows[0]!.secure_delete)).toBe(1);
    const sync = await (server.app.orm.em.fork() as Em).execute<Array<{ synchronous: number }>>('pragma synchronous');
    expect(Number(sync[0]!.synchronous)).toBe(2); // FULL
  });
});
