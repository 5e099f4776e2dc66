import { buildSchema } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { DocumentCache } from '../../../server/src/graphql/document-cache.js';

const schema = buildSchema('type Query { a: Int } type Subscription { tick(n: Int): Int }');

describe('subscription documents shared by their text (memory per idle subscriber, P4)', () => {
  it('gives every subscriber of one text the same syntax tree', () => {
    const cache = new DocumentCache(schema);
    const first = cache.get('subscription { tick(n: 1) }');
    const second = cache.get('subscription { tick(n: 1) }');
    expect('document' in first && 'document' in second && first.document === second.document).toBe(true);
  });

  it('refuses invalid texts every time and keeps none of them', () => {
    const cache = new DocumentCache(schema);
    expect(cache.get('subscription { nope }')).toMatchObject({ errors: [expect.objectContaining({ message: expect.stringContaining('nope') })] });
    expect(cache.get('subscription { nope }')).toHaveProperty('errors');
    expect(cache.get('subscription {')).toHaveProperty('parseError');
  });

  it('keeps at most its bound of texts, the oldest leaving first', () => {
    const cache = new DocumentCache(schema, 2);
    const one = cache.get('subscription { tick(n: 1) }');
    cache.get('subscription { tick(n: 2) }');
    cache.get('subscription { tick(n: 3) }');
    const again = cache.get('subscription { tick(n: 1) }');
    expect('document' in one && 'document' in again && one.document !== again.document).toBe(true);
  });
});
