import { parse, print } from 'graphql';
import { overflowingLiteralError, withFiniteLiterals } from './numeric-literals';

describe('numeric literals beyond float64', () => {
  it('are named by the argument, object fields and list positions that lead to them', () => {
    const error = overflowingLiteralError(parse('{ predictBatch(model: "m", rows: [{ x: 0 }, { x: 0, y: -1e400 }]) { id } }'));
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: ['rows', 1, 'y'] });
    expect(error?.message).toBe('rows[1].y must be a finite number: the literal -1e400 is beyond float64');
  });

  it('include integers too long for float64, and finite literals pass', () => {
    expect(overflowingLiteralError(parse(`{ f(n: ${'9'.repeat(400)}) }`))?.message).toMatch(/^n must be a finite number/);
    expect(overflowingLiteralError(parse('{ f(n: 1.7976931348623157e308, m: -1e308, k: 12) }'))).toBeNull();
  });

  it('are replaced by 0 for planning only when there are any', () => {
    const document = parse('{ predict(model: "m", features: { x: 1e400, y: 2 }) { id } }');
    expect(print(withFiniteLiterals(document)!)).toContain('features: {x: 0, y: 2}');
    expect(withFiniteLiterals(parse('{ predict(model: "m", features: { x: 1 }) { id } }'))).toBeNull();
  });
});
