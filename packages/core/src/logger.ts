import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs, one logger per service; request-scoped children add `requestId`. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
