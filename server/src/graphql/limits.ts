import { GraphQLError, Kind, specifiedRules, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql/index.js'; // the CommonJS entry type-graphql loads (one realm under vitest too)

export const MAX_DEPTH = 8;

/** Rejects documents nested deeper than MAX_DEPTH, so one request cannot ask for unbounded work. */
export const depthLimitRule: ValidationRule = (context: ValidationContext): ASTVisitor => {
  let depth = 0;
  return {
    Field: {
      enter(node) {
        depth += 1;
        if (depth > MAX_DEPTH) {
          context.reportError(
            new GraphQLError(`query is nested ${depth} levels deep; at most ${MAX_DEPTH} are allowed`, {
              nodes: [node],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
          );
        }
      },
      leave() {
        depth -= 1;
      },
    },
    OperationDefinition: {
      enter: (node) => {
        if (node.kind === Kind.OPERATION_DEFINITION) depth = 0;
      },
    },
  };
};

/** The same rules on HTTP and WebSocket: graphql-ws would otherwise use only graphql-js's defaults. */
export const extraRules: ValidationRule[] = [depthLimitRule];
export const allRules: ValidationRule[] = [...specifiedRules, ...extraRules];
