import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type Rolldown } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * @fontsource lists a WOFF fallback after every WOFF2 file; every browser a hall screen or a phone
 * runs reads WOFF2, so the fallbacks are dropped and the build does not ship the glyphs twice.
 */
function woff2Only(): Plugin {
  return {
    name: 'hcp-woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('@fontsource') || !id.endsWith('.css')) return null;
      return { code: code.replace(/,\s*url\([^)]+\.woff\)\s*format\('woff'\)/g, ''), map: null };
    },
  };
}

/**
 * The device pages' service worker (src/sw/device-sw.ts) is a second entry, written as /sw.js (a fixed
 * name: browsers look for updates at the same URL). Its precache list is this build's: the entry and
 * the device route's scripts and styles, the English catalog, the font subsets, and every asset (to drop older ones), so
 * sw.js changes whenever a file the device needs changes, and the new worker installs.
 */
function deviceServiceWorker(): Plugin {
  const sw = fileURLToPath(new URL('./src/sw/device-sw.ts', import.meta.url));
  return {
    name: 'hcp-device-service-worker',
    apply: 'build',
    config: () => ({
      build: {
        rolldownOptions: {
          input: { index: fileURLToPath(new URL('./index.html', import.meta.url)), widget: fileURLToPath(new URL('./widget.html', import.meta.url)), sw },
          output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
        },
      },
    }),
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((f): f is Rolldown.OutputChunk => f.type === 'chunk');
      const byName = new Map(chunks.map((c) => [c.fileName, c]));
      const needed = new Set<string>();
      const visit = (chunk: Rolldown.OutputChunk | undefined) => {
        if (!chunk || needed.has(chunk.fileName)) return;
        // A chunk of style sheets only (a @fontsource file's) is dropped from the output: only its CSS ships.
        if (!pureCss(chunk)) needed.add(chunk.fileName);
        for (const css of chunk.viteMetadata?.importedCss ?? []) needed.add(css);
        for (const file of chunk.imports) visit(byName.get(file));
      };
      visit(chunks.find((c) => c.isEntry && c.facadeModuleId?.endsWith('/index.html')) ?? chunks.find((c) => c.isEntry && c.name === 'index'));
      const device = chunks.find((c) => c.facadeModuleId?.endsWith('/window/DevicePage.vue'));
      if (!device) this.error('the device page chunk (window/DevicePage.vue) was not found: the service worker would cache nothing');
      visit(device);
      // The catalogs are loaded on demand (i18n/index.ts: English, and each area of the Chinese one): a device
      // needs its strings offline too, in either language.
      for (const c of chunks) if (/\/i18n\/(en|zh\/\w+)\.ts$/.test(c.facadeModuleId ?? '')) visit(c);
      // The font's rules are a chunk of their own (fonts.ts), and the HTML's boot script is loaded by every page.
      visit(chunks.find((c) => c.facadeModuleId?.endsWith('/src/font-faces.ts')));
      for (const f of Object.keys(bundle)) if (f.startsWith('assets/screen-boot-')) needed.add(f);
      const files = Object.keys(bundle).filter((f) => f.startsWith('assets/') && !(byName.has(f) && pureCss(byName.get(f)!)));
      const precache = {
        shell: [...needed]
          .filter((f) => f.startsWith('assets/'))
          .map((f) => `/${f}`)
          .sort(),
        fonts: files
          .filter((f) => f.endsWith('.woff2'))
          .map((f) => `/${f}`)
          .sort(),
        assets: files.map((f) => `/${f}`).sort(),
      };
      const version = createHash('sha256').update(JSON.stringify(precache)).digest('hex').slice(0, 12);
      const worker = bundle['sw.js'];
      // The minifier may quote the placeholder string with ', " or `.
      const placeholder = /(["'`])__HCP_PRECACHE__\1/;
      if (worker?.type !== 'chunk' || !placeholder.test(worker.code)) return this.error('sw.js: the precache placeholder was not found');
      worker.code = worker.code.replace(placeholder, JSON.stringify(JSON.stringify({ version, ...precache })));
    },
  };
}

/** A chunk made of style sheets only: Vite drops it from the output and keeps its CSS. */
const pureCss = (chunk: Rolldown.OutputChunk) => chunk.moduleIds.length > 0 && chunk.moduleIds.every((id) => /\.css($|\?)/.test(id));

/** The files a chunk needs before it runs: itself, its static imports (transitively) and their CSS. */
function closure(chunks: Rolldown.OutputChunk[], roots: Array<Rolldown.OutputChunk | undefined>): { js: Set<string>; css: Set<string> } {
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const js = new Set<string>();
  const css = new Set<string>();
  const seen = new Set<string>();
  const visit = (chunk: Rolldown.OutputChunk | undefined) => {
    if (!chunk || seen.has(chunk.fileName)) return;
    seen.add(chunk.fileName);
    if (!pureCss(chunk)) js.add(chunk.fileName);
    for (const file of chunk.viteMetadata?.importedCss ?? []) css.add(file);
    for (const file of chunk.imports) visit(byName.get(file));
  };
  for (const root of roots) visit(root);
  return { js, css };
}

/**
 * The boot script of index.html (`assets/screen-boot-[hash].js`, classic and async, so `script-src 'self'`
 * allows it and no page waits for it). On /screen it starts, while the entry itself downloads: the
 * download of the big screen's own chunks (prestart, the page, its Chinese strings: modulepreload and
 * style preload, exactly those files) and the screen context request (the same query as
 * operations.ts, taken by use-screen-context.ts). On every other page it adds the font's style sheet
 * (fonts.ts) at once, so it arrives beside the entry without blocking the first render.
 */
function screenBoot(): Plugin[] {
  let bootFile = '';
  const query = readFileSync(fileURLToPath(new URL('../schema/operations/screen-context.graphql', import.meta.url)), 'utf8');
  return [
    {
      name: 'hcp-screen-boot',
      apply: 'build',
      generateBundle(_options, bundle) {
        const chunks = Object.values(bundle).filter((f): f is Rolldown.OutputChunk => f.type === 'chunk');
        const find = (suffix: string) => {
          const chunk = chunks.find((c) => c.moduleIds.some((id) => id.endsWith(suffix)));
          if (!chunk) this.error(`screen boot: no chunk for ${suffix}`);
          return chunk;
        };
        const url = (file: string) => `/${file}`;
        const entry = closure(chunks, [chunks.find((c) => c.isEntry && c.facadeModuleId?.endsWith('/index.html'))]);
        const roots = [find('/src/screen/prestart.ts'), find('/src/screen/ScreenPage.vue'), find('/src/i18n/zh/screen.ts')];
        const screen = closure(chunks, roots);
        // Six requests at a time over HTTP/1.1: the context request first, then the two big chunks and
        // their styles (the page's import waits for its CSS), then the small shared chunks.
        const rootFiles = new Set(roots.map((c) => c.fileName));
        const rootCss = new Set(roots.flatMap((c) => [...(c.viteMetadata?.importedCss ?? [])]));
        const preload = [
          ...[...screen.js].filter((f) => rootFiles.has(f)).map((f) => ['modulepreload', f]),
          ...[...screen.css].filter((f) => rootCss.has(f)).map((f) => ['preload', f]),
          ...[...screen.js].filter((f) => !rootFiles.has(f) && !entry.js.has(f)).map((f) => ['modulepreload', f]),
          ...[...screen.css].filter((f) => !rootCss.has(f) && !entry.css.has(f)).map((f) => ['preload', f]),
        ].map(([rel, f]) => [rel, url(f!)]);
        const fonts = closure(chunks, [find('/src/font-faces.ts')]);
        const source = [
          '(function () {',
          '  var head = document.head;',
          '  var add = function (rel, href, as) {',
          "    var link = document.createElement('link');",
          '    link.rel = rel;',
          "    link.crossOrigin = '';",
          '    if (as) link.as = as;',
          '    link.href = href;',
          '    head.appendChild(link);',
          '  };',
          "  if (location.pathname !== '/screen') {",
          `    ${JSON.stringify([...fonts.css].map(url))}.forEach(function (f) { add('stylesheet', f); });`,
          '    return;',
          '  }',
          "  var token = new URLSearchParams(location.search).get('token') || '';",
          "  var headers = { 'content-type': 'application/json' };",
          "  if (token) headers.authorization = 'Bearer ' + token;",
          '  window.__hcpScreenContext = {',
          '    token: token,',
          `    response: fetch('/graphql', { method: 'POST', headers: headers, body: JSON.stringify({ query: ${JSON.stringify(query)}, variables: {} }) }),`,
          '  };',
          '  window.__hcpScreenContext.response.catch(function () {});',
          `  ${JSON.stringify(preload)}.forEach(function (p) { add(p[0], p[1], p[0] === 'preload' ? 'style' : null); });`,
          '})();',
          '',
        ].join('\n');
        bootFile = `assets/screen-boot-${createHash('sha256').update(source).digest('base64url').slice(0, 8)}.js`;
        this.emitFile({ type: 'asset', fileName: bootFile, source });
      },
    },
    {
      name: 'hcp-screen-boot-html',
      apply: 'build',
      generateBundle: {
        order: 'post',
        handler(_options, bundle) {
          const html = bundle['index.html'];
          if (html?.type !== 'asset' || !bootFile) return this.error('screen boot: index.html or the boot script is missing');
          const text = String(html.source);
          if (!text.includes('<head>')) return this.error('screen boot: index.html has no <head>');
          html.source = text.replace('<head>', `<head>\n    <script async src="/${bootFile}"></script>`);
        },
      },
    },
  ];
}

/**
 * The portal widget pages (/widget, /widget/bulletin) have their own lean entry, widget.html (no router,
 * no other page's code or strings); the server serves it for those paths (server/src/http/static.ts),
 * and so does the dev server.
 */
function widgetEntry(): Plugin {
  return {
    name: 'hcp-widget-entry',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        const url = req.url ?? '';
        const query = url.indexOf('?');
        if (/^\/widget(\/[^.?]*)?(\?|$)/.test(url)) req.url = `/widget.html${query >= 0 ? url.slice(query) : ''}`;
        next();
      });
    },
  };
}

export default defineConfig({
  root,
  plugins: [vue(), woff2Only(), widgetEntry(), screenBoot(), deviceServiceWorker()],
  build: {
    rolldownOptions: {
      output: {
        // Fewer files on the big screen's first load (HTTP/1.1: six at a time, each a round trip to the
        // server): the live layer the screen, the portal widget and the device pages share is one chunk,
        // and the screen's own page, panels and Chinese strings another. Nothing else is moved.
        codeSplitting: {
          includeDependenciesRecursively: false,
          groups: [
            {
              name: 'live',
              test: /\/src\/(screen\/(prestart|screen\.logic)\.ts|composables\/(use-live-topic|use-screen-context|snapshot|use-stats|use-polled-query)\.ts|api\/(live-client|backoff)\.ts|common\/ConnectionBadge\.vue)|\/node_modules\/graphql-ws\//,
            },
            {
              name: 'screen',
              test: /\/src\/(screen\/\w+\.vue|i18n\/zh\/screen\.ts|composables\/(use-stage-fit|use-animated-number)\.ts|charts\/async-chart\.ts)/,
            },
          ],
        },
      },
    },
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
    // Font subsets are already compressed and loaded only when a page shows their glyphs.
    assetsInlineLimit: 0,
  },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true }, '/export': 'http://127.0.0.1:4000' } },
});
