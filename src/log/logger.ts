/**
 * Structured logging shared by every runtime.
 *
 * The interface is the subset of pino's API that the project uses, so Node entry points pass a
 * real pino logger, while workerd (which has no stdout) uses {@link createJsonLogger}: one JSON
 * object per line through `console.log`, which Workers Logs ingests as structured fields.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, message?: string): void;
  info(fields: LogFields, message?: string): void;
  warn(fields: LogFields, message?: string): void;
  error(fields: LogFields, message?: string): void;
  /** Returns a logger that adds `bindings` to every line, as pino's `child` does. */
  child(bindings: LogFields): Logger;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Receives one serialized line per log call; defaults to `console.log`. */
  sink?: (line: string) => void;
  bindings?: LogFields;
}

/**
 * Creates a logger that writes pino-compatible JSON lines (`level`, `time`, `msg`).
 *
 * @example
 * const log = createJsonLogger({ level: 'info', bindings: { service: 'gateway' } });
 * log.child({ requestId }).warn({ status: 502 }, 'backend unreachable');
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const minimum = LEVEL_RANK[options.level ?? 'info'];
  // eslint-disable-next-line no-console -- workerd's only output channel is the console.
  const sink = options.sink ?? ((line: string) => console.log(line));
  const bindings = options.bindings ?? {};

  const write = (level: LogLevel, fields: LogFields, message?: string): void => {
    if (LEVEL_RANK[level] < minimum) return;
    const record: LogFields = { level: LEVEL_RANK[level], time: Date.now(), ...bindings, ...fields };
    if (fields.err instanceof Error) record.err = serializeError(fields.err);
    if (message !== undefined) record.msg = message;
    sink(JSON.stringify(record));
  };

  return {
    debug: (fields, message) => write('debug', fields, message),
    info: (fields, message) => write('info', fields, message),
    warn: (fields, message) => write('warn', fields, message),
    error: (fields, message) => write('error', fields, message),
    child: (extra) => createJsonLogger({ ...options, bindings: { ...bindings, ...extra } }),
  };
}

/** A logger that drops everything, for tests that assert on behaviour rather than logs. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

function serializeError(error: Error): LogFields {
  return { type: error.name, message: error.message, stack: error.stack };
}
