import { BadUserInputError } from '@modelplane/core';
import { AlertKind } from '../entities/alert-rule.entity';

export const MAX_WINDOW_SECONDS = 31 * 86400;
export const MAX_FOR_SECONDS = 7 * 86400;

export interface RuleSettings {
  kind: AlertKind;
  threshold: number;
  windowSeconds: number;
  forSeconds: number;
}

/** The accepted threshold range of each kind, as the error message states it. */
const THRESHOLD_RANGES: Record<AlertKind, { ok: (t: number) => boolean; text: string }> = {
  [AlertKind.DRIFT]: { ok: (t) => t > 0 && t <= 1, text: 'a share of drifted features in (0, 1]' },
  [AlertKind.ACCURACY]: { ok: (t) => t >= 0 && t <= 1, text: 'an accuracy in [0, 1]' },
  [AlertKind.ERROR_RATE]: { ok: (t) => t >= 0 && t <= 1, text: 'an error share in [0, 1]' },
  [AlertKind.LATENCY]: { ok: (t) => t > 0, text: 'a p95 latency in milliseconds greater than 0' },
};

/**
 * Checks a rule's settings, naming the offending argument (`extensions.argument`), so a client
 * can point at the field. `prefix` is where the settings came from ('input').
 */
export function validateRuleSettings(rule: RuleSettings, prefix = 'input'): void {
  const range = THRESHOLD_RANGES[rule.kind];
  if (!range) throw new BadUserInputError(`unknown alert kind ${String(rule.kind)}`, { argument: `${prefix}.kind` });
  if (!Number.isFinite(rule.threshold) || !range.ok(rule.threshold)) {
    throw new BadUserInputError(`a ${rule.kind} threshold must be ${range.text}; got ${rule.threshold}`, {
      argument: `${prefix}.threshold`,
      kind: rule.kind,
    });
  }
  if (!Number.isInteger(rule.windowSeconds) || rule.windowSeconds < 1 || rule.windowSeconds > MAX_WINDOW_SECONDS) {
    throw new BadUserInputError(`windowSeconds must be between 1 and ${MAX_WINDOW_SECONDS} (31 days); got ${rule.windowSeconds}`, {
      argument: `${prefix}.windowSeconds`,
    });
  }
  if (!Number.isInteger(rule.forSeconds) || rule.forSeconds < 0 || rule.forSeconds > MAX_FOR_SECONDS) {
    throw new BadUserInputError(`forSeconds must be between 0 and ${MAX_FOR_SECONDS} (7 days); got ${rule.forSeconds}`, {
      argument: `${prefix}.forSeconds`,
    });
  }
}

/** A window argument of a report. */
export function validateWindow(windowSeconds: number, argument = 'windowSeconds'): number {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > MAX_WINDOW_SECONDS) {
    throw new BadUserInputError(`${argument} must be between 1 and ${MAX_WINDOW_SECONDS}; got ${windowSeconds}`, { argument });
  }
  return windowSeconds;
}
