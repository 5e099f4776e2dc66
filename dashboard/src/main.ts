// The Chinese font is bundled (split by unicode range, so a page loads only the glyphs it shows):
// hall machines and intranet screens have no CJK font and no font CDN.
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/700.css';
import './styles/base.css';
import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router.js';

// Where a page's time goes (the screen benchmark reads these marks): the entry runs (its imports, Vue, have run).
performance.mark('hcp:boot');

// The big screen's context request and live connection start now, beside its page's download (screen/prestart.ts).
if (window.location.pathname === '/screen') void import('./screen/prestart.js').then((m) => m.prestartScreen(window.location.search));

createApp(App).use(router).mount('#app');
