import type { AssessmentDeps } from '../assessment/assessment.service.js';
import type { AuthDeps } from '../auth/auth.service.js';
import type { CaseDeps } from '../case/case.service.js';
import type { DemoTicketDeps } from '../case/demo-ticket.service.js';
import type { CatalogDeps } from '../catalog/catalog.service.js';
import type { ExchangeDeps } from '../exchange/outbox.worker.js';
import type { IntegrityDeps } from '../integrity/fraud.service.js';
import type { CatalogImportDeps } from '../catalog/import/import.resolver.js';
import type { NotifyDeps } from '../notify/notify.service.js';
import type { RatingDeps } from '../rating/rating.service.js';
import type { RectificationDeps } from '../rectification/rectification.deps.js';
import type { ScreenDeps } from '../screen/screen.deps.js';
import type { LiveDeps } from '../stats/live-topics.js';
import type { QualityDeps } from '../quality/quality.service.js';

/** Every feature's declared needs: what the schema's resolvers find in `context.app`. The root's `App` satisfies it. */
export type FeatureDeps = CatalogDeps &
  AuthDeps &
  CaseDeps &
  DemoTicketDeps &
  LiveDeps &
  RatingDeps &
  NotifyDeps &
  RectificationDeps &
  ScreenDeps &
  ExchangeDeps &
  AssessmentDeps &
  IntegrityDeps &
  QualityDeps &
  CatalogImportDeps;
