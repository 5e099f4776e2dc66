import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { workspaceRoutes } from './workspace/routes.js';

// Each page is its own chunk: the citizen's rating page and the window evaluator load no charts.
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('./home/HomePage.vue') },
  { path: '/screen', name: 'screen', component: () => import('./screen/ScreenPage.vue') },
  { path: '/widget', name: 'widget', component: () => import('./widget/WidgetPage.vue') },
  { path: '/widget/bulletin', name: 'widget-bulletin', component: () => import('./bulletin/BulletinWidget.vue') },
  { path: '/rate', name: 'rate', component: () => import('./rate/RatePage.vue') },
  { path: '/followup', name: 'followup', component: () => import('./followup/FollowUpPage.vue') },
  { path: '/rerate', name: 'rerate', component: () => import('./rerate/ReratePage.vue') },
  { path: '/bulletin', name: 'bulletin', component: () => import('./bulletin/BulletinPage.vue') },
  {
    path: '/window/:id(\\d+)',
    name: 'window',
    component: () => import('./window/DevicePage.vue'),
    props: (r) => ({ kind: 'window', id: Number(r.params.id) }),
  },
  {
    path: '/terminal/:id(\\d+)',
    name: 'terminal',
    component: () => import('./window/DevicePage.vue'),
    props: (r) => ({ kind: 'terminal', id: Number(r.params.id) }),
  },
  ...workspaceRoutes,
];

export const router = createRouter({ history: createWebHistory(), routes });
