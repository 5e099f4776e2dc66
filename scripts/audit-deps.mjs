#!/usr/bin/env node
// Offline dependency audit: `npm run audit:deps [-- --lock FILE] [--advisories FILE] [--quiet]`.
//
// `npm audit --omit=dev` needs the registry's bulk advisory endpoint, which the registry this project builds from
// answers with 405. This script is the offline stand-in: it lists the production tree from package-lock.json
// (every entry not marked "dev", optional platform packages included, as npm audit counts them) and checks each
// locked version against the reviewed advisories in docs/advisories.json (SECURITY.md, "Dependency audit").
//
// Exit 0: no high/critical advisory matches a locked version unless it is recorded as "affected-explained".
// Exit 1: a high/critical advisory matches and is not explained (e.g. a downgrade brought back a fixed flaw).
// Exit 2: the inputs cannot be read (missing file, invalid semver range, unknown status or severity).
// It knows only the advisories listed in the file: run `npm audit --omit=dev` wherever the registry allows it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SEVERITIES = ['low', 'moderate', 'high', 'critical'];
const STATUSES = ['affected-explained', 'fixed-in-lock'];
const BLOCKING = new Set(['high', 'critical']);

function parseArgs(argv) {
  const args = { lock: resolve(ROOT, 'package-lock.json'), advisories: resolve(ROOT, 'docs/advisories.json'), quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quiet') args.quiet = true;
    else if (arg === '--lock' || arg === '--advisories') {
      const value = argv[++i];
      if (!value) fail(`${arg} needs a file`);
      args[arg.slice(2)] = resolve(value);
    } else fail(`unknown argument ${arg} (use --lock FILE, --advisories FILE, --quiet)`);
  }
  return args;
}

function fail(message) {
  console.error(`audit:deps: ${message}`);
  process.exit(2);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return fail(`cannot read ${file}: ${error.message}`);
  }
}

/** name → sorted versions of the production tree, from a lockfileVersion 2/3 package-lock.json. */
function productionTree(lock) {
  if (!lock.packages) fail('package-lock.json has no "packages" map (lockfileVersion 2 or 3 needed)');
  const tree = new Map();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.link || entry.dev) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!entry.version) fail(`${path} has no version`);
    const versions = tree.get(name) ?? new Set();
    versions.add(entry.version);
    tree.set(name, versions);
  }
  return new Map([...tree].sort(([a], [b]) => a.localeCompare(b)).map(([name, versions]) => [name, [...versions].sort(semver.compare)]));
}

function checkAdvisory(advisory, index) {
  const where = `advisories[${index}] (${advisory.id ?? '?'})`;
  for (const field of ['package', 'range', 'id', 'severity', 'status', 'forUs']) {
    if (typeof advisory[field] !== 'string' || advisory[field].trim() === '') fail(`${where}: "${field}" is missing`);
  }
  if (!semver.validRange(advisory.range)) fail(`${where}: "${advisory.range}" is not a semver range`);
  if (!SEVERITIES.includes(advisory.severity)) fail(`${where}: severity must be one of ${SEVERITIES.join(', ')}`);
  if (!STATUSES.includes(advisory.status)) fail(`${where}: status must be one of ${STATUSES.join(', ')}`);
}

const args = parseArgs(process.argv.slice(2));
const tree = productionTree(readJson(args.lock));
const { advisories, reviewed } = readJson(args.advisories);
if (!Array.isArray(advisories)) fail(`${args.advisories} has no "advisories" list`);
advisories.forEach(checkAdvisory);

const entries = [...tree].reduce((sum, [, versions]) => sum + versions.length, 0);
if (!args.quiet) {
  for (const [name, versions] of tree) console.log(`${name}@${versions.join(', ')}`);
  console.log('');
}
console.log(`production tree: ${tree.size} packages, ${entries} name@version entries (${args.lock})`);
console.log(`advisories: ${advisories.length} reviewed on ${reviewed ?? '?'} (${args.advisories})`);

let blocking = 0;
const stale = [];
for (const advisory of advisories) {
  const hits = (tree.get(advisory.package) ?? []).filter((version) => semver.satisfies(version, advisory.range, { includePrerelease: true }));
  if (hits.length === 0) {
    if (advisory.status === 'affected-explained') stale.push(advisory);
    continue;
  }
  const explained = advisory.status === 'affected-explained';
  const blocks = !explained && BLOCKING.has(advisory.severity);
  if (blocks) blocking++;
  const verdict = explained ? 'explained' : blocks ? 'NOT EXPLAINED' : 'not explained (below high)';
  console.log(`\n${advisory.severity.toUpperCase()} ${advisory.id} ${advisory.package}@${hits.join(', ')} (${advisory.range}): ${verdict}`);
  console.log(`  ${advisory.title ?? ''}`);
  console.log(`  for us: ${advisory.forUs}`);
}
for (const advisory of stale) {
  console.log(`\nnote: ${advisory.id} (${advisory.package} ${advisory.range}) no longer matches the lock: set its status to fixed-in-lock`);
}

if (blocking > 0) {
  console.log(`\n${blocking} high/critical advisory match(es) not explained: update the dependency or explain it in docs/advisories.json and SECURITY.md`);
  process.exit(1);
}
console.log('\nno unexplained high/critical advisory in the production tree (only the advisories listed are known to this check)');
