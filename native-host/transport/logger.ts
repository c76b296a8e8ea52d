/**
 * The host's log: stderr (Chrome shows it in its own log when started with --enable-logging) and, when
 * KYSO_LOG_FILE is set, that file. Never stdout, which carries protocol frames only. Field names that look
 * like a PIN are dropped, whatever their value.
 */
import { appendFileSync } from 'node:fs';
import { LOG_FILE_ENV } from '../config.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

const SECRET_KEY = /pin|password|secret/i;

export function formatLogLine(level: LogLevel, message: string, fields: LogFields = {}, now: Date = new Date()): string {
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || SECRET_KEY.test(key)) continue;
    safe[key] = typeof value === 'string' ? value.slice(0, 300) : value;
  }
  const extra = Object.keys(safe).length ? ` ${JSON.stringify(safe)}` : '';
  return `${now.toISOString()} kyso-host ${level} ${message.replace(/[\r\n]+/g, ' ')}${extra}\n`;
}

export function createLogger(env: NodeJS.ProcessEnv = process.env, stderr: { write(s: string): unknown } = process.stderr): Logger {
  const file = env[LOG_FILE_ENV];
  const minimum = env.KYSO_LOG_LEVEL === 'debug' ? 0 : 1;
  const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  return {
    log(level, message, fields) {
      if (rank[level] < minimum) return;
      const line = formatLogLine(level, message, fields);
      stderr.write(line);
      if (file) {
        try {
          appendFileSync(file, line);
        } catch {
          // A log file we cannot write must not stop signing.
        }
      }
    },
  };
}
