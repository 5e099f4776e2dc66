import type { PresentationDeps } from './presentation.service.js';
import type { ScreenTokenDeps } from './screen-token.service.js';

/** Everything the screen feature's resolvers need; the composition root supplies it. */
export type ScreenDeps = ScreenTokenDeps & PresentationDeps;
