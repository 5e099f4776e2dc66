import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'What a catalog import did to one kind of row' })
export class CatalogImportKindCount {
  @Field(() => String, { description: 'regions, departments, halls, windows, staff or items' }) kind!: string;
  @Field(() => Int) created!: number;
  @Field(() => Int) updated!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => Int) rejected!: number;
}

@ObjectType({ description: 'A row the import refused, and why' })
export class CatalogImportRejection {
  @Field(() => String) kind!: string;
  @Field(() => Int, { description: 'CSV: line; XLSX: sheet row; JSON: position from 1' }) row!: number;
  @Field(() => String, { description: 'The field (English name of the column)' }) column!: string;
  @Field(() => String, { description: 'MISSING_VALUE, INVALID_VALUE, UNKNOWN_REFERENCE, DUPLICATE_ROW or CONFLICT' }) code!: string;
  @Field(() => String) message!: string;
}

@ObjectType({ description: 'The report of a catalog import (R4, R25)' })
export class CatalogImportReport {
  @Field(() => String) fileName!: string;
  @Field(() => String, { description: 'csv, xlsx or json' }) format!: string;
  @Field(() => Int) rows!: number;
  @Field(() => [CatalogImportKindCount]) kinds!: CatalogImportKindCount[];
  @Field(() => Int) rejectedCount!: number;
  @Field(() => [CatalogImportRejection], { description: 'The rejected rows (the first 10,000)' }) rejected!: CatalogImportRejection[];
  @Field(() => Boolean) dryRun!: boolean;
  @Field(() => Boolean, { description: 'Whether the changes were stored: false for a dry run, and for a file with rejected rows unless skipRejected' })
  committed!: boolean;
}
