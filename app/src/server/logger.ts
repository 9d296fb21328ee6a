import { type Logger, pino } from 'pino';
import type { LogLevel } from '../config/config.ts';

/** JSON lines on stdout (the only place the shop writes); secrets are redacted by path. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'storefront-app' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'password'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export type { Logger };
