import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/** What every feature may see: the settings, the time and the log. Built once by the composition root. */
export interface Kernel {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
}
