import { ErrorCode } from './errors';
import { assertModelName } from './validation';

describe('assertModelName', () => {
  it.each(['iris', 'seattle-rain', 'a.b_c-1', 'x'.repeat(128)])('accepts %s', (name) => {
    expect(assertModelName(name)).toBe(name);
  });

  it.each(['', 'x'.repeat(129), 'has space', 'semi;colon', 'ünïcode', 'slash/name'])('rejects %j with BAD_USER_INPUT', (name) => {
    expect(() => assertModelName(name)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT }) }),
    );
  });
});
