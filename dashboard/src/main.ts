import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/700.css';
import { createApp } from 'vue';
import App from './App.vue';

createApp(App).mount('#app');
