import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * The router's logger: JSON lines on stdout. Credentials are redacted wherever they appear in
 * logged headers; prompts are never logged at info.
 */
export function createLogger(level = 'info'): Logger {
  return pino({
    level,
    base: { service: 'semantic-router' },
    redact: {
      paths: ['headers.authorization', 'headers["x-api-key"]', 'headers["api-key"]', 'headers.cookie'],
      censor: '[redacted]',
    },
  });
}
