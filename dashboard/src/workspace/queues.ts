/** The workspace's queues by role and where each role starts: read by the route table, so kept free of catalogs. */
export interface QueueView {
  name: string;
  path: string;
  labelKey: string;
  filter: Record<string, unknown>;
  roles: string[];
}

/** The queues in the workspace's navigation, by role. */
export const QUEUES: QueueView[] = [
  {
    name: 'workspace-queue',
    path: 'queue',
    labelKey: 'ws.queues.queue',
    filter: { states: ['OPENED', 'DISPATCHED', 'VERIFIED', 'CLASSIFIED', 'RECTIFIED', 'CALLED_BACK'] },
    roles: ['department', 'supervisor', 'admin'],
  },
  {
    name: 'workspace-callbacks',
    path: 'callbacks',
    labelKey: 'ws.queues.callbacks',
    filter: { states: ['FED_BACK'] },
    roles: ['hotline', 'department', 'supervisor', 'admin'],
  },
  { name: 'workspace-appeals', path: 'appeals', labelKey: 'ws.queues.appeals', filter: { states: ['APPEALED'] }, roles: ['supervisor', 'department', 'admin'] },
  { name: 'workspace-overdue', path: 'overdue', labelKey: 'ws.queues.overdue', filter: { overdue: true }, roles: ['supervisor', 'department', 'admin'] },
  { name: 'workspace-all', path: 'all', labelKey: 'ws.queues.all', filter: {}, roles: ['department', 'supervisor', 'hotline', 'admin'] },
];

/** Where a role starts after signing in. */
export function startPage(role: string | undefined): string {
  if (role === 'hotline') return 'workspace-callbacks';
  if (role === 'security') return 'workspace-users';
  if (role === 'auditor') return 'workspace-audit';
  return 'workspace-queue';
}
