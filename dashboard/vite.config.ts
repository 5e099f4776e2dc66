import { createHash } from 'node:crypto';
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
        needed.add(chunk.fileName);
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
      const files = Object.keys(bundle).filter((f) => f.startsWith('assets/'));
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
  plugins: [vue(), woff2Only(), widgetEntry(), deviceServiceWorker()],
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
    // Font subsets are already compressed and loaded only when a page shows their glyphs.
    assetsInlineLimit: 0,
  },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true }, '/export': 'http://127.0.0.1:4000' } },
});
