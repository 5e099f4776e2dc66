import { BigIntType } from '@mikro-orm/core';

/** Column helpers so every entity spells the portable types the same way on SQLite and PostgreSQL. */
export const pk = { type: 'integer', primary: true, autoincrement: true } as const;
export const int = { type: 'integer' } as const;
export const optInt = { type: 'integer', nullable: true } as const;
export const str = (length = 255) => ({ type: 'string', length }) as const;
export const optStr = (length = 255) => ({ type: 'string', length, nullable: true }) as const;
export const text = { type: 'text' } as const;
export const optText = { type: 'text', nullable: true } as const;
export const bool = { type: 'boolean' } as const;
/** Instants are epoch milliseconds: exact, sortable, and identical on both databases. */
export const millis = { type: new BigIntType('number') } as const;
export const optMillis = { type: new BigIntType('number'), nullable: true } as const;
