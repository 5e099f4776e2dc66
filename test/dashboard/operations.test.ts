import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSchema, parse, validate, Kind, type OperationDefinitionNode } from 'graphql/index.js';

// The dashboard sends the example operations of schema/operations/ (dashboard/src/api/operations.ts):
// each must stay valid against the committed schema, or a screen would break in a hall, not here.
const schema = buildSchema(readFileSync('schema/schema.graphql', 'utf8'));
const folder = join('schema', 'operations');

describe('schema/operations', () => {
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith('.graphql'))
    .sort()) {
    it(`${file} is valid against schema/schema.graphql`, () => {
      const document = parse(readFileSync(join(folder, file), 'utf8'));
      const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      expect(ops).toHaveLength(1);
      expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    });
  }
});
