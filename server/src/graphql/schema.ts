import 'reflect-metadata';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { assessmentResolvers } from '../assessment/assessment.resolver.js';
import { bulletinResolvers } from '../assessment/bulletin.resolver.js';
import { AuthResolver } from '../auth/auth.resolver.js';
import { AccountsResolver } from '../auth/accounts.resolver.js';
import { CaseResolver } from '../case/case.resolver.js';
import { CatalogResolver } from '../catalog/catalog.resolver.js';
import { exchangeResolvers } from '../exchange/exchange.resolver.js';
import { CatalogImportResolver } from '../catalog/import/import.resolver.js';
import { RatingResolver } from '../rating/rating.resolver.js';
import { integrityResolvers } from '../integrity/integrity.resolver.js';
import { rectificationResolvers } from '../rectification/rectification.resolver.js';
import { screenResolvers } from '../screen/screen.resolver.js';
import { livePubSub, statsResolvers } from '../stats/stats.resolver.js';
import { SystemResolver } from './system.resolver.js';
import { QualityResolver } from '../quality/quality.resolver.js';
import { authChecker } from './auth-checker.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  SystemResolver,
  AuthResolver,
  AccountsResolver,
  CatalogResolver,
  CatalogImportResolver,
  CaseResolver,
  RatingResolver,
  ...statsResolvers,
  ...screenResolvers,
  ...rectificationResolvers,
  ...exchangeResolvers,
  ...assessmentResolvers,
  ...bulletinResolvers,
  ...integrityResolvers,
  QualityResolver,
];

let built: Promise<GraphQLSchema> | undefined;

/** Built once per process: type-graphql's metadata is global, so one schema serves every app instance. */
export function graphqlSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers, authChecker, authMode: 'error', validate: false, pubSub: livePubSub });
  return built;
}
