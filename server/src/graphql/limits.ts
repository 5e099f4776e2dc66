import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  specifiedRules,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLOutputType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  isObjectType,
  isInterfaceType,
  type GraphQLSchema,
  type GraphQLNamedType,
} from 'graphql/index.js'; // the CommonJS entry type-graphql loads (one realm under vitest too)

/**
 * What one GraphQL document may ask for, on HTTP and on graphql-ws alike (graphql-ws would otherwise
 * apply only graphql-js's default rules). Fragments are expanded when measuring, so a "fragment
 * bomb" costs what it would cost to execute.
 */
export interface DocumentLimits {
  /** Characters of the document text. */
  maxLength: number;
  /** Lexical tokens (graphql-js stops parsing past this). */
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** One per field, multiplied by the page size of every list above it (`limit`/`first`, else 10). */
  maxCost: number;
}

export const DEFAULT_LIMITS: DocumentLimits = { maxLength: 15_000, maxTokens: 1_000, maxDepth: 6, maxAliases: 15, maxDirectives: 50, maxCost: 5_000 };

/** The page size a list field is assumed to return when its arguments do not say. */
const DEFAULT_LIST_SIZE = 10;

interface Measure {
  depth: number;
  cost: number;
  aliases: number;
  directives: number;
}

const ZERO: Measure = { depth: 0, cost: 0, aliases: 0, directives: 0 };

/** A coded client error for a document over a limit (never INTERNAL_SERVER_ERROR, never the document). */
export function limitError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
}

/** Checks the document text before it is parsed: its length. */
export function checkDocumentText(query: unknown, limits: DocumentLimits = DEFAULT_LIMITS): GraphQLError | null {
  if (typeof query !== 'string') return null;
  if (query.length > limits.maxLength) return limitError(`the document has ${query.length} characters; at most ${limits.maxLength} are allowed`);
  return null;
}

/**
 * Text no store can keep: NUL characters (PostgreSQL refuses them) and lone UTF-16 surrogates (what
 * invalid UTF-8 decodes into). Found anywhere in the document or the variables, the request is refused
 * as BAD_USER_INPUT before anything runs; the value itself is never echoed.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const BAD_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function checkText(query: unknown, variables: unknown): GraphQLError | null {
  if (hasBadText(query, 0) || hasBadText(variables, 0)) {
    return new GraphQLError('the request contains characters that cannot be stored (NUL or invalid UTF-8); remove them and send it again', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return null;
}

// Runs on every request of both transports, so plain loops without arrays of entries: 3–4 µs for a
// rating request (measured at load average 16 on 2 cores; 8 µs with Object.entries).
function hasBadText(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return BAD_TEXT.test(value);
  if (depth > 50 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const v of value) if (hasBadText(v, depth + 1)) return true;
    return false;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) if (BAD_TEXT.test(key) || hasBadText(object[key], depth + 1)) return true;
  return false;
}

/** The validation rule that measures every operation of the document against `limits`. */
export function documentLimitsRule(limits: DocumentLimits = DEFAULT_LIMITS): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const schema = context.getSchema();
      const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      if (!root) return;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
      const m = measureSelection(schema, root, node.selectionSet, fragments, new Map(), new Set());
      const directives = m.directives + (node.directives?.length ?? 0);
      const problems = [
        m.depth > limits.maxDepth && `is nested ${m.depth} levels deep; at most ${limits.maxDepth} are allowed`,
        m.aliases > limits.maxAliases && `uses ${m.aliases} aliases; at most ${limits.maxAliases} are allowed`,
        directives > limits.maxDirectives && `uses ${directives} directives; at most ${limits.maxDirectives} are allowed`,
        m.cost > limits.maxCost &&
          `would cost ${m.cost > 1e9 ? 'more than 1,000,000,000' : m.cost} (one per field, times the page size of each list above it); at most ${limits.maxCost} is allowed`,
      ].filter((p): p is string => typeof p === 'string');
      for (const problem of problems) context.reportError(limitError(`the operation ${problem}`));
    },
  });
}

function measureSelection(
  schema: GraphQLSchema,
  parent: GraphQLNamedType,
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  memo: Map<string, Measure>,
  visiting: Set<string>,
): Measure {
  let total: Measure = ZERO;
  for (const selection of set.selections) {
    let m: Measure = ZERO;
    if (selection.kind === Kind.FIELD) {
      m = measureField(schema, parent, selection, fragments, memo, visiting);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parent) : parent;
      m = measureSelection(schema, on, selection.selectionSet, fragments, memo, visiting);
      m = { ...m, directives: m.directives + (selection.directives?.length ?? 0) };
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // A cycle or an unknown fragment is reported by graphql-js's own rules.
      if (!fragment || visiting.has(name)) continue;
      let cached = memo.get(name);
      if (!cached) {
        visiting.add(name);
        const on = schema.getType(fragment.typeCondition.name.value) ?? parent;
        cached = measureSelection(schema, on, fragment.selectionSet, fragments, memo, visiting);
        cached = { ...cached, directives: cached.directives + (fragment.directives?.length ?? 0) };
        visiting.delete(name);
        memo.set(name, cached);
      }
      m = { ...cached, directives: cached.directives + (selection.directives?.length ?? 0) };
    }
    total = {
      depth: Math.max(total.depth, m.depth),
      cost: total.cost + m.cost,
      aliases: total.aliases + m.aliases,
      directives: total.directives + m.directives,
    };
  }
  return total;
}

function measureField(
  schema: GraphQLSchema,
  parent: GraphQLNamedType,
  node: FieldNode,
  fragments: Map<string, FragmentDefinitionNode>,
  memo: Map<string, Measure>,
  visiting: Set<string>,
): Measure {
  const field =
    isObjectType(parent) || isInterfaceType(parent) ? (parent.getFields()[node.name.value] as GraphQLField<unknown, unknown> | undefined) : undefined;
  const own = { aliases: node.alias ? 1 : 0, directives: node.directives?.length ?? 0 };
  if (!node.selectionSet) return { depth: 1, cost: 1, ...own };
  const type = field ? getNamedType(field.type) : parent;
  const inner = measureSelection(schema, type, node.selectionSet, fragments, memo, visiting);
  const size = field && isList(field.type) ? pageSize(node) : 1;
  return {
    depth: inner.depth + 1,
    cost: 1 + size * inner.cost,
    aliases: own.aliases + inner.aliases,
    directives: own.directives + inner.directives,
  };
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(getNullableType(type));
}

/** The page size a list field asks for: a literal `limit`/`first` argument, else the default. */
function pageSize(node: FieldNode): number {
  for (const arg of node.arguments ?? []) {
    if ((arg.name.value === 'limit' || arg.name.value === 'first') && arg.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
  }
  return DEFAULT_LIST_SIZE;
}

/** The same rules on HTTP and WebSocket. */
export const extraRules: ValidationRule[] = [documentLimitsRule()];
export const allRules: ValidationRule[] = [...specifiedRules, ...extraRules];
export const PARSE_OPTIONS = { maxTokens: DEFAULT_LIMITS.maxTokens } as const;
