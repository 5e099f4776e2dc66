import { provideArea, useI18n } from '../i18n/index.js';
import ws from '../i18n/zh/ws.js';

// The workspace's strings come with its modules (the layout's route also loads them, i18n/index.ts).
provideArea('ws', ws);
const { t } = useI18n();

/** A refused workspace request, with the server's extensions.code and, for a weak password, its reason. */
export class WorkspaceError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'WorkspaceError';
  }
}

/** The message to show for a failed request: the catalog's for known codes (weak password, locked account), else the server's. */
export function errorText(err: unknown): string {
  if (err instanceof WorkspaceError) {
    if (err.code === 'WEAK_PASSWORD' && err.reason) {
      const text = t(`ws.pw.weak.${err.reason}`);
      if (text !== `ws.pw.weak.${err.reason}`) return text;
    }
    if (err.code === 'ACCOUNT_LOCKED') return t('ws.signin.locked');
  }
  return err instanceof Error ? err.message : String(err);
}
