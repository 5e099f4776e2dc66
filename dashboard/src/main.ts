import './styles/base.css';
import { createApp } from 'vue';
import App from './App.vue';
import { loadFonts } from './fonts.js';
import { router } from './router.js';

// Where a page's time goes (the screen benchmark reads these marks): the entry runs (its imports, Vue, have run).
performance.mark('hcp:boot');

// The big screen's context request and live connection start now, beside its page's download (screen/prestart.ts).
if (window.location.pathname === '/screen') void import('./screen/prestart.js').then((m) => m.prestartScreen(window.location.search));
// The bundled Chinese font (fonts.ts): on the big screen once its first figures are shown (ScreenPage.vue).
else void loadFonts().catch(() => undefined);

createApp(App).use(router).mount('#app');
