import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { core } from '../../dashboard/src/i18n/zh/core.js';
import { zhCN } from '../../dashboard/src/i18n/zh-CN.js';

const SRC = fileURLToPath(new URL('../../dashboard/src/', import.meta.url));
const AREAS = Object.keys(zhCN).filter((k) => !(k in core));
const KEY = new RegExp(`['\`](${Object.keys(zhCN).join('|')})\\.[a-zA-Z$]`, 'g');

/** Every module a page imports statically (its chunk and the chunks it waits for), type-only imports aside. */
function reachable(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file) || !existsSync(file)) return seen;
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(/^import\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)'/gm)) {
    reachable(normalize(join(dirname(file), m[1]!.replace(/\.js$/, '.ts'))), seen);
  }
  return seen;
}

/** The catalog areas whose keys a page (and what it imports) shows. */
function areasShown(page: string): string[] {
  const shown = new Set<string>();
  for (const file of reachable(join(SRC, page))) {
    if (file.includes('/i18n/')) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(KEY)) if (AREAS.includes(m[1]!)) shown.add(m[1]!);
  }
  return [...shown].sort();
}

/** The routes' lazy pages and the areas each loads beside it: `page(() => import('…'), 'a', 'b')` / `withAreas(…)`. */
function routePages(file: string): Array<{ page: string; areas: string[] }> {
  const text = readFileSync(join(SRC, file), 'utf8');
  const found: Array<{ page: string; areas: string[] }> = [];
  for (const m of text.matchAll(/(?:page|withAreas)\(\(\) => import\('\.\/([^']+)'\)((?:, '\w+')*)\)/g)) {
    found.push({ page: join(dirname(file), m[1]!), areas: [...m[2]!.matchAll(/'(\w+)'/g)].map((a) => a[1]!).sort() });
  }
  return found;
}

describe('Chinese catalog by area (i18n/zh/*): each page loads the strings it shows', () => {
  it('every route loads, beside its page, every area the page and its components show', () => {
    // The workspace's pages render inside its layout, which loads the `ws.` strings.
    const workspace = routePages('workspace/routes.ts').map((r) => (r.page.endsWith('WorkspaceLayout.vue') ? r : { ...r, areas: [...r.areas, 'ws'] }));
    const routes = [...routePages('router.ts'), ...workspace];
    expect(routes.length).toBeGreaterThan(8);
    for (const { page, areas } of routes) expect(areas, page).toEqual(expect.arrayContaining(areasShown(page)));
  });

  it('the other workspace pages show only the workspace strings, which their layout loads', () => {
    const text = readFileSync(join(SRC, 'workspace/routes.ts'), 'utf8');
    const plain = [...text.matchAll(/component: \(\) => import\('\.\/(Workspace\w+\.vue)'\)/g)].map((m) => m[1]!);
    expect(plain.length).toBeGreaterThan(10);
    for (const page of plain) expect(['ws'], page).toEqual(expect.arrayContaining(areasShown(`workspace/${page}`)));
  });

  it('the portal widget entry shows only the common strings, and its bulletin variant the bulletin ones', () => {
    expect(areasShown('widget/WidgetPage.vue')).toEqual([]);
    expect(areasShown('bulletin/BulletinWidget.vue')).toEqual(['bulletin']);
    expect(readFileSync(join(SRC, 'widget/widget-main.ts'), 'utf8')).toContain("loadAreas('bulletin')");
  });
});
