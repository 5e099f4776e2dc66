// The Chinese font is bundled (split by unicode range, so a page loads only the glyphs it shows):
// hall machines and intranet screens have no CJK font and no font CDN.
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/700.css';
import './styles/base.css';
import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router.js';

createApp(App).use(router).mount('#app');
