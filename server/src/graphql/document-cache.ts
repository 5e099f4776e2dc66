import { parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql/index.js'; // the CommonJS entry: see graphql/live-adapter.ts
import { allRules, PARSE_OPTIONS } from './limits.js';

export type ParsedDocument = { document: DocumentNode } | { parseError: string } | { errors: readonly GraphQLError[] };

/**
 * Parsed and validated subscription documents, by their text. Every screen subscribes with the same
 * few documents: sharing one syntax tree among thousands of subscriptions keeps an idle subscriber
 * at the cost of its socket (a tree of a 400-character document is ~10 KB, kept as long as the
 * subscription lives), and parses and validates each text once. Only valid documents are kept, at most
 * `max` of them (the oldest leaves first), so distinct texts cannot grow it without bound.
 */
export class DocumentCache {
  private readonly valid = new Map<string, DocumentNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly max = 200,
  ) {}

  get(query: string): ParsedDocument {
    const known = this.valid.get(query);
    if (known) return { document: known };
    let document: DocumentNode;
    try {
      document = parse(query, PARSE_OPTIONS);
    } catch (err) {
      return { parseError: (err as Error).message };
    }
    const errors = validate(this.schema, document, allRules, { maxErrors: 10 });
    if (errors.length) return { errors };
    if (this.valid.size >= this.max) this.valid.delete(this.valid.keys().next().value!);
    this.valid.set(query, document);
    return { document };
  }
}
