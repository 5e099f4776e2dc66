import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
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

export default defineConfig({
  root,
  plugins: [vue(), woff2Only()],
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
    // Font subsets are already compressed and loaded only when a page shows their glyphs.
    assetsInlineLimit: 0,
  },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true } } },
});
