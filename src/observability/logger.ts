import { type Logger, pino } from 'pino';

export type { Logger };

/** Log lines are written in batches of about this many bytes (or every second), not one write each. */
const BUFFER_BYTES = 4096;
const FLUSH_INTERVAL_MS = 1000;

/**
 * The router's logger: JSON lines on stdout. Credentials are redacted wherever they appear in
 * logged headers; prompts are never logged at info. Writes are buffered (one system call per few
 * kilobytes instead of per line, which matters at thousands of requests per second) and flushed
 * every second and on exit.
 */
export function createLogger(level = 'info'): Logger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES });
  const logger = pino(
    {
      level,
      base: { service: 'semantic-router' },
      redact: {
        paths: ['headers.authorization', 'headers["x-api-key"]', 'headers["api-key"]', 'headers.cookie'],
        censor: '[redacted]',
      },
    },
    destination,
  );
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // not open yet, or already closed: nothing to flush
    }
  }, FLUSH_INTERVAL_MS).unref();
  return logger;
}
