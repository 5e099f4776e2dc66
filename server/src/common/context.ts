import type { App } from '../app.js';
import type { Actor } from '../auth/roles.js';

/** What every resolver receives: the server's parts and who is calling. */
export interface Context {
  app: App;
  actor: Actor;
}
