import { assessmentEntities } from '../assessment/assessment.entities.js';
import { bulletinEntities } from '../assessment/bulletin.entities.js';
import { authEntities } from '../auth/auth.entities.js';
import { caseEntities } from '../case/case.entities.js';
import { catalogEntities } from '../catalog/catalog.entities.js';
import { outboxEntities } from '../db/outbox.entities.js';
import { RatingSchema } from '../rating/rating.entity.js';
import { integrityEntities } from '../integrity/integrity.entities.js';
import { rectificationEntities } from '../rectification/rectification.entities.js';
import { screenEntities } from '../screen/screen-token.entity.js';
import { statsEntities } from '../stats/rollup.entities.js';
import { MetaSchema } from '../db/meta.entity.js';
import { qualityEntities } from '../quality/quality.entities.js';
import { smsEntities } from '../exchange/sms.entities.js';

/** Every table MikroORM knows about; the migrations are generated from these definitions. */
export const allEntities = [
  ...catalogEntities,
  ...caseEntities,
  RatingSchema,
  ...authEntities,
  ...statsEntities,
  ...screenEntities,
  ...rectificationEntities,
  ...assessmentEntities,
  ...bulletinEntities,
  ...integrityEntities,
  ...outboxEntities,
  ...qualityEntities,
  ...smsEntities,
  MetaSchema,
];
