// The portal widget's own entry (widget.html, served for /widget and /widget/*): it is shown in other
// sites' iframes, so it carries only what it shows. No router and no other page's code or strings:
// Vue, the common strings and the one page, chosen by the path.
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/700.css';
import '../styles/base.css';
import { createApp, type Component } from 'vue';
import { loadAreas } from '../i18n/index.js';

function mount(page: Promise<{ default: Component }>): void {
  void page.then((m) => createApp(m.default).mount('#app'));
}

// Two separate import() statements: each then preloads only its own page's chunks.
if (/^\/widget\/bulletin\/?$/.test(window.location.pathname)) {
  mount(Promise.all([import('../bulletin/BulletinWidget.vue'), loadAreas('bulletin')]).then(([m]) => m));
} else {
  // The scope request and the live connection start beside the page's download (screen/prestart.ts).
  void import('../screen/prestart.js').then((m) => m.prestartScreen(window.location.search));
  mount(import('./WidgetPage.vue'));
}
