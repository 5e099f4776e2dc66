import { describe, expect, it, vi } from 'vitest';
import { GraphQLError } from 'graphql';
import { AlreadyRatedError, InvalidInputError, NotFoundError, TagRequiredError } from '../../../server/src/common/errors.js';
import { formatError } from '../../../server/src/graphql/format-error.js';

describe('formatError', () => {
  it('maps a domain error to its code once, keeping the message that says what was expected and received', () => {
    const err = InvalidInputError.levelOutOfRange(7);
    const out = formatError({ message: 'x' }, new GraphQLError('x', { originalError: err }));
    expect(out).toMatchObject({ message: 'level must be an integer 1–5 (5 = 非常满意), got 7', extensions: { code: 'BAD_USER_INPUT', field: 'level' } });
  });

  it('gives each domain error its own code', () => {
    expect(
      [AlreadyRatedError.service('A1', 1), NotFoundError.of('service', 'A1#1'), TagRequiredError.forBadReview(2)].map(
        (e) => formatError({ message: '' }, e).extensions?.code,
      ),
    ).toEqual(['ALREADY_RATED', 'NOT_FOUND', 'TAG_OR_COMMENT_REQUIRED']);
  });

  it('masks an unknown error behind an error id and logs it', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const out = formatError({ message: 'boom: secret internals' }, new Error('boom: secret internals'));
      expect(out.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
      expect(out.message).not.toContain('secret');
      expect(out.message).toContain(String(out.extensions!.errorId));
      expect(String(write.mock.calls[0]![0])).toContain(String(out.extensions!.errorId));
    } finally {
      write.mockRestore();
    }
  });

  it('keeps the codes graphql-js and Apollo give to malformed requests', () => {
    expect(formatError({ message: 'Cannot query field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, new Error('x')).extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
    });
  });
});
