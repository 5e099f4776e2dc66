import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run audit:deps`: the offline stand-in for `npm audit --omit=dev` (SECURITY.md, "Dependency audit").
const ROOT = join(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'audit-deps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/audit-deps.mjs'), '--quiet', ...args], { encoding: 'utf8' });
  return { code: result.status, out: result.stdout + result.stderr };
}

/** The real lock with one package's locked version changed. */
function lockWith(pkgPath: string, version: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  lock.packages[pkgPath].version = version;
  const file = join(dir, `lock-${pkgPath.replaceAll('/', '_')}-${version}.json`);
  writeFileSync(file, JSON.stringify(lock));
  return file;
}

describe('audit:deps (dependency audit)', () => {
  it('passes on the checked-in lock: every matching advisory is explained', () => {
    const { code, out } = run();
    expect(out).toMatch(/production tree: \d+ packages/);
    expect(out).toContain('GHSA-2g4f-4pwh-qvx6'); // ajv, affected but not reachable
    expect(out).not.toContain('NOT EXPLAINED');
    expect(code).toBe(0);
  });

  it('fails when a lock brings back a fixed high-severity flaw (ws downgraded)', () => {
    const { code, out } = run('--lock', lockWith('node_modules/ws', '8.20.0'));
    expect(out).toMatch(/HIGH GHSA-96hv-2xvq-fx4p ws@8\.20\.0 .*NOT EXPLAINED/);
    expect(code).toBe(1);
  });

  it('reports but does not fail for an unexplained advisory below high (graphql downgraded)', () => {
    const { code, out } = run('--lock', lockWith('node_modules/graphql', '16.8.0'));
    expect(out).toMatch(/MODERATE GHSA-9pv7-vfvm-6vr7 graphql@16\.8\.0 .*not explained \(below high\)/);
    expect(out).not.toContain('NOT EXPLAINED');
    expect(code).toBe(0);
  });

  it('refuses an advisory list with an invalid range', () => {
    const list = JSON.parse(readFileSync(join(ROOT, 'docs/advisories.json'), 'utf8'));
    list.advisories[0].range = 'not a range';
    const file = join(dir, 'advisories-bad.json');
    writeFileSync(file, JSON.stringify(list));
    const { code, out } = run('--advisories', file);
    expect(out).toContain('is not a semver range');
    expect(code).toBe(2);
  });
});
