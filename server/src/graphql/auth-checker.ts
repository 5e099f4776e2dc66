import type { AuthChecker } from 'type-graphql';
import type { Context } from '../common/context.js';
import { ForbiddenError, SignInIncompleteError, UnauthenticatedError } from '../common/errors.js';

/** What a session limited to finishing its sign-in may still call. */
const WHILE_LIMITED = new Set(['me', 'changePassword', 'setupTotp', 'enableTotp', 'logout']);

/** `@Authorized('public')` admits anyone; otherwise the caller's role must be listed. */
export const authChecker: AuthChecker<Context> = ({ context, info }, roles) => {
  const { actor } = context;
  if (actor.limited && !WHILE_LIMITED.has(info.fieldName)) throw SignInIncompleteError.of(actor.limited);
  if (roles.includes('public') || roles.includes(actor.role)) return true;
  if (actor.role === 'public') {
    throw new UnauthenticatedError(`sign in or send a credential: this operation needs one of the roles ${roles.join(', ')}`, { reason: 'CREDENTIAL' });
  }
  throw ForbiddenError.role(roles, actor.role);
};
