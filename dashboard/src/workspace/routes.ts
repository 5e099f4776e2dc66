import type { RouteRecordRaw } from 'vue-router';
import { withAreas } from '../i18n/index.js';
import { QUEUES, startPage } from './queues.js';

/** Department workspace (差评整改工作台): queues by role, the case page with its next actions, and the figures. */
export const workspaceRoutes: RouteRecordRaw[] = [
  {
    path: '/workspace',
    // The layout brings the workspace's strings (`ws.`): every child page renders inside it.
    component: withAreas(() => import('./WorkspaceLayout.vue'), 'ws'),
    children: [
      // The session (and the workspace's GraphQL documents with it) is loaded only here, not by every page's entry.
      {
        path: '',
        name: 'workspace',
        component: () => import('./WorkspaceQueue.vue'),
        beforeEnter: async () => ({ name: startPage((await import('./session.js')).session.value?.role) }),
      },
      ...QUEUES.map((q): RouteRecordRaw => ({
        path: q.path,
        name: q.name,
        component: () => import('./WorkspaceQueue.vue'),
        props: { titleKey: q.labelKey, filter: q.filter },
      })),
      { path: 'cases/:id(\\d+)', name: 'workspace-case', component: () => import('./WorkspaceCasePage.vue'), props: (r) => ({ id: Number(r.params.id) }) },
      { path: 'figures', name: 'workspace-figures', component: () => import('./WorkspaceFigures.vue') },
      { path: 'hotline', name: 'workspace-hotline', component: () => import('./WorkspaceHotline.vue') },
      { path: 'outbox', name: 'workspace-outbox', component: () => import('./WorkspaceOutbox.vue') },
      { path: 'department', name: 'workspace-department', component: () => import('./WorkspaceDepartment.vue') },
      { path: 'assessment', name: 'workspace-assessment', component: () => import('./WorkspaceAssessment.vue') },
      // Its previews show a bulletin as the public page does (`bulletin.` strings).
      { path: 'bulletins', name: 'workspace-bulletins', component: withAreas(() => import('./WorkspaceBulletins.vue'), 'bulletin') },
      { path: 'problems', name: 'workspace-problems', component: () => import('./WorkspaceProblems.vue') },
      { path: 'integrity', name: 'workspace-integrity', component: () => import('./WorkspaceIntegrity.vue') },
      { path: 'quality', name: 'workspace-quality', component: () => import('./WorkspaceQuality.vue') },
      { path: 'import', name: 'workspace-import', component: () => import('./WorkspaceImport.vue') },
      { path: 'users', name: 'workspace-users', component: () => import('./WorkspaceUsers.vue') },
      { path: 'keys', name: 'workspace-keys', component: () => import('./WorkspaceApiKeys.vue') },
      { path: 'audit', name: 'workspace-audit', component: () => import('./WorkspaceAudit.vue') },
      { path: 'account', name: 'workspace-account', component: () => import('./WorkspaceMyAccount.vue') },
    ],
  },
];
