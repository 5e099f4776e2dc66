import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { parseShanghaiDateTime } from './calendar.js';
import { InvalidInputError } from './errors.js';

/**
 * R8: the fields of a batch record as a department system sends them. GraphQL would refuse a whole
 * call for one record with `level: "5"` or a missing `projectNo`; in the batch input types the fields
 * that systems get wrong are this loose scalar, and each record is checked here, on its own, so a
 * wrongly typed record is refused with its code and the others are stored. The single-record
 * mutations keep their strict types.
 */
export type RecordValue = string | number | boolean | null;

function fromLiteral(node: ValueNode): RecordValue {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    default:
      // A list or object where a value belongs: kept as a marker the record check refuses.
      return Number.NaN;
  }
}

export const RecordValueScalar = new GraphQLScalarType<RecordValue, RecordValue>({
  name: 'RecordValue',
  description:
    'A field of a batch record as the sender has it (string, number or boolean); its type is checked per record, so a wrongly typed record is refused on its own with BAD_USER_INPUT (R8)',
  serialize: (value) => value as RecordValue,
  // An object or array where a value belongs becomes NaN, which every check below refuses.
  parseValue: (value) => (value === null || ['string', 'number', 'boolean'].includes(typeof value) ? (value as RecordValue) : Number.NaN),
  parseLiteral: (node) => fromLiteral(node),
});

type Fields = Readonly<Record<string, unknown>>;

const missing = (value: unknown) => value === null || value === undefined || value === '';

/** Reads the fields of one record; every method throws BAD_USER_INPUT naming the field. */
export interface RecordReader {
  text(field: string, required?: boolean): string | null;
  /** `range` bounds it where the field has one (its message says what is expected). */
  int(field: string, required?: boolean, range?: { min: number; max: number; expected: string }): number | null;
  /** `yyyy-MM-dd HH:mm:ss` (Beijing time) or ISO 8601. */
  time(field: string): Date | null;
  /** An array of codes (a comma-separated string too where lenient). */
  codes(field: string): string[] | null;
  /** An array of objects, each read with its own reader. */
  objects<T>(field: string, expected: string, read: (item: RecordReader) => T): T[] | null;
}

/**
 * A reader of one record. Strict (GraphQL batches): a text must be a string and an integer a number,
 * as the single-record mutations have them. Lenient (`POST /api/v1`, plain JSON from older systems):
 * digits in a string are taken as a number, a number as its digits, codes comma-separated.
 */
export function readRecord(r: Fields, options: { lenient: boolean }): RecordReader {
  const { lenient } = options;
  const reader: RecordReader = {
    text(field, required = false) {
      const value = r[field];
      if (missing(value)) {
        if (required) throw InvalidInputError.field(field, 'given', value ?? undefined);
        return null;
      }
      if (lenient && typeof value === 'number' && Number.isFinite(value)) return String(value);
      if (typeof value !== 'string') throw InvalidInputError.field(field, 'a string', value);
      return value;
    },
    int(field, required = false, range) {
      const value = r[field];
      if (missing(value)) {
        if (required) throw InvalidInputError.field(field, 'given', value ?? undefined);
        return null;
      }
      const n = lenient && typeof value === 'string' && /^-?\d{1,9}$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw InvalidInputError.field(field, range?.expected ?? 'an integer', value);
      if (range && (n < range.min || n > range.max)) throw InvalidInputError.field(field, range.expected, value);
      return n;
    },
    time(field) {
      const given = r[field];
      const value = given instanceof Date ? given.toISOString() : reader.text(field);
      if (value === null) return null;
      const ms = parseShanghaiDateTime(value) ?? (/^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN);
      if (!Number.isFinite(ms)) throw InvalidInputError.field(field, 'yyyy-MM-dd HH:mm:ss (Beijing time) or ISO 8601', value);
      return new Date(ms);
    },
    codes(field) {
      const value = r[field];
      if (value === null || value === undefined) return null;
      const expected = lenient ? 'a list of codes, or codes comma-separated' : 'a list of codes (strings)';
      const items = lenient && typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null;
      if (!items) throw InvalidInputError.field(field, expected, value);
      return items
        .map((item: unknown) => {
          if (typeof item !== 'string') throw InvalidInputError.field(field, expected, value);
          return item.trim();
        })
        .filter(Boolean);
    },
    objects(field, expected, read) {
      const value = r[field];
      if (value === null || value === undefined) return null;
      if (!Array.isArray(value)) throw InvalidInputError.field(field, expected, value);
      return value.map((item: unknown) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) throw InvalidInputError.field(field, expected, item);
        return read(readRecord(item as Fields, options));
      });
    },
  };
  return reader;
}
