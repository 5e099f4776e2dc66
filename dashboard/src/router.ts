import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { withAreas as page } from './i18n/index.js';
import { workspaceRoutes } from './workspace/routes.js';

// Each page is its own chunk: the citizen's rating page and the window evaluator load no charts.
// The portal widget pages also have their own entry (widget.html, widget/widget-main.ts), without this router.
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: page(() => import('./home/HomePage.vue'), 'home', 'rate') },
  { path: '/screen', name: 'screen', component: page(() => import('./screen/ScreenPage.vue'), 'screen') },
  { path: '/widget', name: 'widget', component: () => import('./widget/WidgetPage.vue') },
  { path: '/widget/bulletin', name: 'widget-bulletin', component: page(() => import('./bulletin/BulletinWidget.vue'), 'bulletin') },
  { path: '/rate', name: 'rate', component: page(() => import('./rate/RatePage.vue'), 'rate', 'followUp') },
  { path: '/followup', name: 'followup', component: page(() => import('./followup/FollowUpPage.vue'), 'followUp', 'rate') },
  { path: '/rerate', name: 'rerate', component: page(() => import('./rerate/ReratePage.vue'), 'rerate', 'rate') },
  { path: '/bulletin', name: 'bulletin', component: page(() => import('./bulletin/BulletinPage.vue'), 'bulletin') },
  {
    path: '/window/:id(\\d+)',
    name: 'window',
    component: page(() => import('./window/DevicePage.vue'), 'device', 'rate'),
    props: (r) => ({ kind: 'window', id: Number(r.params.id) }),
  },
  {
    path: '/terminal/:id(\\d+)',
    name: 'terminal',
    component: page(() => import('./window/DevicePage.vue'), 'device', 'rate'),
    props: (r) => ({ kind: 'terminal', id: Number(r.params.id) }),
  },
  ...workspaceRoutes,
];

export const router = createRouter({ history: createWebHistory(), routes });
