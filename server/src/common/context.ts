import type { Actor } from './actor.js';

/**
 * What a resolver receives: the parts of the server its feature declared it needs (`D`, supplied by
 * the composition root) and who is calling.
 */
export interface Context<D = unknown> {
  app: D;
  actor: Actor;
}
