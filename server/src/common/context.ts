import type { Actor } from './actor.js';

/**
 * What a resolver receives: the parts of the server its feature declared it needs (`D`, supplied by
 * the composition root) and who is calling.
 */
export interface Context<D = unknown> {
  app: D;
  actor: Actor;
  /** The client's address as this server saw it (for per-address limits; never logged with personal data). */
  clientIp?: string;
}
