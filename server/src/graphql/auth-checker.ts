import type { AuthChecker } from 'type-graphql';
import type { Context } from '../common/context.js';
import { ForbiddenError, UnauthenticatedError } from '../common/errors.js';

/** `@Authorized('public')` admits anyone; otherwise the caller's role must be listed. */
export const authChecker: AuthChecker<Context> = ({ context }, roles) => {
  if (roles.includes('public') || roles.includes(context.actor.role)) return true;
  if (context.actor.role === 'public') {
    throw new UnauthenticatedError(`sign in or send a credential: this operation needs one of the roles ${roles.join(', ')}`);
  }
  throw ForbiddenError.role(roles, context.actor.role);
};
