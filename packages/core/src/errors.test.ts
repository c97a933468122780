import { GraphQLError } from 'graphql';
import { BadUserInputError, ConflictError, ErrorCode, formatError, isUniqueViolation, NotFoundError } from './errors';

describe('errors', () => {
  it('each error class sets its extensions.code', () => {
    expect(new BadUserInputError('x').extensions.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(new NotFoundError('x').extensions.code).toBe(ErrorCode.NOT_FOUND);
    expect(new ConflictError('x', { model: 'm' }).extensions).toEqual({ model: 'm', code: ErrorCode.CONFLICT });
  });

  it('formatError keeps coded client errors and drops stack traces', () => {
    const formatted = formatError(
      { message: 'bad', extensions: { code: 'BAD_USER_INPUT', stacktrace: ['at x'] } },
      new GraphQLError('bad'),
    );
    expect(formatted).toEqual({ message: 'bad', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('formatError hides the message of unexpected errors behind INTERNAL', () => {
    const formatted = formatError(
      { message: 'connection to 10.0.0.3 refused', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      new Error('x'),
    );
    expect(formatted).toEqual({ message: 'internal error', extensions: { code: 'INTERNAL' } });
    expect(formatError({ message: 'no code' }, new Error('x')).extensions).toEqual({ code: 'INTERNAL' });
  });

  it('formatError passes only the listed client codes: an unknown one is INTERNAL with its message hidden', () => {
    const formatted = formatError(
      { message: 'upstream at http://10.0.0.3:4001 said no', extensions: { code: 'DOWNSTREAM_OOPS' } },
      new Error('x'),
    );
    expect(formatted).toEqual({ message: 'internal error', extensions: { code: 'INTERNAL' } });
    expect(formatError({ message: 'bad query', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, new Error('x')).message).toBe(
      'bad query',
    );
  });

  it('recognises PostgreSQL unique violations from pg and TypeORM', () => {
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    expect(isUniqueViolation({ driverError: { code: '23505' } })).toBe(true);
    expect(isUniqueViolation({ code: '23503' })).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});
