import { ErrorCode } from '@modelplane/core';
import { AlertKind } from '../entities/alert-rule.entity';
import { validateRuleSettings, validateWindow } from './rule-validation';

const base = { windowSeconds: 3600, forSeconds: 0 };

function rejection(fn: () => void): { code?: unknown; argument?: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    const e = err as { extensions?: { code?: unknown; argument?: unknown }; message: string };
    return { code: e.extensions?.code, argument: e.extensions?.argument, message: e.message };
  }
  throw new Error('expected a rejection');
}

describe('validateRuleSettings', () => {
  it.each([
    [AlertKind.DRIFT, [0.01, 0.5, 1], [0, -0.1, 1.01, NaN, Infinity]],
    [AlertKind.ACCURACY, [0, 0.9, 1], [-0.01, 1.5, NaN]],
    [AlertKind.ERROR_RATE, [0, 0.05, 1], [-1, 2]],
    [AlertKind.LATENCY, [0.001, 250, 1e6], [0, -5, NaN, Infinity]],
  ])('%s accepts %j and refuses %j with BAD_USER_INPUT on input.threshold', (kind, good, bad) => {
    for (const threshold of good) expect(() => validateRuleSettings({ kind, threshold, ...base })).not.toThrow();
    for (const threshold of bad) {
      expect(rejection(() => validateRuleSettings({ kind, threshold, ...base }))).toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
        argument: 'input.threshold',
      });
    }
  });

  it('names the kind and its range in the message', () => {
    expect(rejection(() => validateRuleSettings({ kind: AlertKind.DRIFT, threshold: 2, ...base })).message).toBe(
      'a DRIFT threshold must be a share of drifted features in (0, 1]; got 2',
    );
  });

  it('bounds the window and the `for` duration', () => {
    const rule = { kind: AlertKind.LATENCY, threshold: 5 };
    expect(rejection(() => validateRuleSettings({ ...rule, windowSeconds: 0, forSeconds: 0 })).argument).toBe('input.windowSeconds');
    expect(rejection(() => validateRuleSettings({ ...rule, windowSeconds: 40 * 86400, forSeconds: 0 })).argument).toBe(
      'input.windowSeconds',
    );
    expect(rejection(() => validateRuleSettings({ ...rule, windowSeconds: 1.5, forSeconds: 0 })).argument).toBe('input.windowSeconds');
    expect(rejection(() => validateRuleSettings({ ...rule, windowSeconds: 60, forSeconds: -1 })).argument).toBe('input.forSeconds');
    expect(() => validateRuleSettings({ ...rule, windowSeconds: 60, forSeconds: 300 })).not.toThrow();
  });

  it('validateWindow checks report windows the same way', () => {
    expect(validateWindow(60)).toBe(60);
    expect(rejection(() => validateWindow(0)).code).toBe(ErrorCode.BAD_USER_INPUT);
  });
});
