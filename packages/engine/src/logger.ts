import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths never written to logs: credentials, tokens and auth headers. Secrets are also
 * kept out of log calls at the source; this is the second line of defence.
 */
export const REDACT_PATHS = [
  'credential',
  '*.credential',
  'token',
  '*.token',
  'adminToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'password',
  '*.password',
];

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; tests capture them to search for leaked secrets. */
  destination?: NodeJS.WritableStream;
  pretty?: boolean;
}

/** JSON in production, pretty on a terminal. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  const redact = { paths: REDACT_PATHS, censor: '[redacted]' };
  if (opts.destination) return pino({ level, redact }, opts.destination as pino.DestinationStream);
  const pretty = opts.pretty ?? (process.stdout.isTTY && process.env.NODE_ENV !== 'production');
  if (pretty) {
    return pino({ level, redact, transport: { target: 'pino-pretty', options: { colorize: true, destination: 2 } } });
  }
  return pino({ level, redact }, pino.destination(2));
}
