import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The module table of the README's architecture section, enforced: each folder of server/src may
 * import only the folders listed for it (and itself). `app` is the composition root, the only place
 * that imports every feature; `cli` and the process entry (`main.ts`) sit above it; the demo data
 * (`seeds/`, the folder beside server/) may use the features but not the root.
 */
/** The foundation and the features, each with the folders it may import (features depend one way). */
const FEATURES = {
  common: [],
  db: ['common'],
  catalog: ['common', 'db'],
  auth: ['common', 'db', 'catalog'],
  quality: ['common', 'db', 'catalog', 'auth'],
  case: ['common', 'db', 'catalog', 'auth', 'quality'],
  stats: ['common', 'db', 'catalog', 'auth'],
  rating: ['common', 'db', 'catalog', 'auth', 'case', 'stats', 'quality'],
  notify: ['common', 'db'],
  rectification: ['common', 'db', 'catalog', 'auth', 'case', 'stats', 'rating', 'notify', 'quality'],
  screen: ['common', 'db', 'catalog', 'auth', 'case', 'stats', 'rating', 'quality'],
  exchange: ['common', 'db', 'catalog', 'auth', 'quality', 'case', 'stats', 'rating', 'notify', 'rectification'],
  assessment: ['common', 'db', 'catalog', 'auth', 'quality', 'stats', 'rating', 'rectification'],
  integrity: ['common', 'db', 'catalog', 'auth', 'quality', 'case', 'stats', 'rating', 'notify', 'rectification'],
} as const satisfies Record<string, readonly string[]>;

const EVERY_FEATURE = Object.keys(FEATURES);

/**
 * Above the features, each layer may import every feature and the layers below it: the GraphQL
 * schema, the HTTP server, the composition root (`app`, which also seeds the demo city), the command
 * line, and the process entry (`main.ts`, which starts the root only). The demo data (`seeds/`) may
 * use the features it fills, but no layer.
 */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  ...FEATURES,
  graphql: EVERY_FEATURE,
  http: [...EVERY_FEATURE, 'graphql'],
  app: [...EVERY_FEATURE, 'graphql', 'http', 'seeds'],
  cli: [...EVERY_FEATURE, 'graphql', 'http', 'seeds', 'app'],
  seeds: ['common', 'db', 'catalog', 'auth', 'case', 'stats', 'rating', 'notify', 'rectification', 'screen', 'quality'],
  main: ['common', 'app'],
};

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../../..');
const SERVER = join(ROOT, 'server', 'src');
const SEEDS = join(ROOT, 'seeds');

interface Edge {
  file: string;
  line: number;
  specifier: string;
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'migrations' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The module a file belongs to: its first folder under server/src, `seeds`, or `main` for server/src/*.ts. */
function moduleOf(path: string): string | null {
  if (path.startsWith(SEEDS + sep)) return 'seeds';
  if (!path.startsWith(SERVER + sep)) return null;
  const parts = relative(SERVER, path).split(sep);
  return parts.length === 1 ? 'main' : parts[0]!;
}

/** Every relative import (static, dynamic and re-export) of every file, as module edges. */
function importEdges(): Edge[] {
  const edges: Edge[] = [];
  const pattern = /(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g;
  for (const file of [...sourceFiles(SERVER), ...sourceFiles(SEEDS)]) {
    const from = moduleOf(file)!;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        for (const match of text.matchAll(pattern)) {
          const target = resolve(dirname(file), match[1]!);
          const to = moduleOf(target);
          if (to && to !== from) edges.push({ file: relative(ROOT, file), line: i + 1, specifier: match[1]!, from, to });
        }
      });
  }
  return edges;
}

/** Folder-level cycles, each as the list of folders around it. */
function cycles(edges: Edge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    graph.get(e.from)!.add(e.to);
  }
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('architecture', () => {
  const edges = importEdges();

  it('reads the imports of server/src, and every folder has a row in the module table', () => {
    expect(edges.length).toBeGreaterThan(100);
    const folders = readdirSync(SERVER).filter((name) => statSync(join(SERVER, name)).isDirectory());
    expect(folders.filter((name) => !(name in ALLOWED))).toEqual([]);
    expect(new Set([...edges.map((e) => e.from), ...edges.map((e) => e.to)])).toEqual(new Set(Object.keys(ALLOWED)));
  });

  it('lets each folder import only the folders the module table allows', () => {
    const wrong = edges
      .filter((e) => !(ALLOWED[e.from] ?? []).includes(e.to))
      .map((e) => `${e.file}:${e.line} imports '${e.specifier}' (${e.from} → ${e.to} is not in the module table)`);
    expect(wrong).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(cycles(edges).map((c) => c.join(' → '))).toEqual([]);
  });

  it('keeps common free of anything of ours and of module-level state keyed by the app', () => {
    const commonImports = edges.filter((e) => e.from === 'common').map((e) => `${e.file}:${e.line} imports '${e.specifier}'`);
    expect(commonImports).toEqual([]);
    const keyedByApp = sourceFiles(SERVER).filter((f) => /new WeakMap<App\b|new WeakSet<App\b/.test(readFileSync(f, 'utf8')));
    expect(keyedByApp.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('finds a forbidden edge and a cycle when there is one (the checks can fail)', () => {
    const fake: Edge[] = [
      { file: 'server/src/common/x.ts', line: 1, specifier: '../rating/y.js', from: 'common', to: 'rating' },
      { file: 'server/src/rating/y.ts', line: 1, specifier: '../common/x.js', from: 'rating', to: 'common' },
    ];
    expect(fake.filter((e) => !(ALLOWED[e.from] ?? []).includes(e.to))).toHaveLength(1);
    expect(cycles(fake)).toHaveLength(1);
  });
});
