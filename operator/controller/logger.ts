// JSON logs (pino). One child logger per Storefront key so every line of a reconcile carries it.
// Secret contents never reach a log line: any logged object of kind Secret has its data replaced,
// and fields whose name says "password", "token" and the like are masked wherever they appear.

import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** @default process.env.LOG_LEVEL or 'info' */
  level?: string;
  /** @default 'storefront-operator' */
  name?: string;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

const REDACTED = '[REDACTED]';
const SECRET_FIELD =
  /^(password|passwd|secret|token|apikey|api_key|privatekey|private_key|tls\.key|credentials?)$/i;
const MAX_DEPTH = 8;

/** A copy of `value` with Secret data and secret-looking fields masked. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const obj = value as Record<string, unknown>;
  const isSecret = obj['kind'] === 'Secret';
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (isSecret && (k === 'data' || k === 'stringData')) {
      out[k] =
        v && typeof v === 'object'
          ? Object.fromEntries(Object.keys(v).map((key) => [key, REDACTED]))
          : REDACTED;
    } else if (SECRET_FIELD.test(k) && (typeof v === 'string' || typeof v === 'number')) {
      out[k] = REDACTED;
    } else {
      out[k] = redactSecrets(v, depth + 1);
    }
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const config = {
    name: options.name ?? 'storefront-operator',
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown>,
    },
    serializers: { err: pino.stdSerializers.err },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** The logger for one Storefront (`namespace/name`): every line carries `storefront`. */
export function storefrontLogger(parent: Logger, key: string): Logger {
  return parent.child({ storefront: key });
}
