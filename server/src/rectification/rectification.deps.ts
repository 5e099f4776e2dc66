import type { TokenService } from '../auth/tokens.js';
import type { TagDictionary } from '../catalog/catalog.service.js';
import type { PiiCipher } from '../common/crypto.js';
import type { Kernel } from '../common/kernel.js';
import type { ChangeBus } from '../common/pubsub.js';
import type { Database } from '../db/orm.js';
import type { NotifyDeps } from '../notify/notify.service.js';
import type { InvalidationHook } from './invalidation.js';

/** What the rectification feature needs; the composition root supplies it. */
export interface RectificationDeps extends Kernel, Database, NotifyDeps {
  readonly cipher: PiiCipher;
  readonly tokens: TokenService;
  readonly bus: ChangeBus;
  readonly tags: TagDictionary;
  /** Run inside the transaction that invalidates a rating (R18); the root gives the exchange's here. */
  readonly invalidationHooks?: readonly InvalidationHook[];
}
