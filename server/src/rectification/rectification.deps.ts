import type { TokenService } from '../auth/tokens.js';
import type { TagDictionary } from '../catalog/catalog.service.js';
import type { PiiCipher } from '../common/crypto.js';
import type { Kernel } from '../common/kernel.js';
import type { ChangeBus } from '../common/pubsub.js';
import type { Database } from '../db/orm.js';
import type { NotifyDeps } from '../notify/notify.service.js';

/** What the rectification feature needs; the composition root supplies it. */
export interface RectificationDeps extends Kernel, Database, NotifyDeps {
  readonly cipher: PiiCipher;
  readonly tokens: TokenService;
  readonly bus: ChangeBus;
  readonly tags: TagDictionary;
}
