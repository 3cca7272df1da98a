import path from 'node:path';
import { DEFAULT_SCRYPT_N, validScryptN } from './users/passwords.ts';

/** Every environment variable Parley reads, in one place (README's configuration table mirrors this). */
export interface Config {
  /** PostgreSQL server URL; unset means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | null;
  /** Folder for the embedded database and uploads. */
  dataDir: string;
  host: string;
  port: number;
  /** Public base URL used in links and mail. */
  baseUrl: string;
  /** Secret for signing cookies; generated into the data folder when unset. */
  sessionSecret: string | null;
  /** nodemailer transport URL; unset keeps outgoing mail in the outbox. */
  smtpUrl: string | null;
  logLevel: string;
  /** Largest upload accepted, in bytes. */
  maxUploadBytes: number;
  /** Run pg-boss workers and scheduled jobs in this process. */
  runJobs: boolean;
  /** Largest incoming email accepted (HTTP, pipe, SMTP), in bytes. */
  maxEmailBytes: number;
  /** Port of the built-in SMTP receiver; null (the default) leaves it off. */
  smtpReceiverPort: number | null;
  /** Recipient domains the SMTP receiver accepts mail for (RCPT TO); others are refused. */
  smtpReceiverDomains: string[];
  /** scrypt's cost for new password hashes (existing ones verify at the cost they were made with). */
  passwordScryptN: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const port = Number(env.PORT ?? 3000);
  const host = env.HOST ?? '127.0.0.1';
  const base: Config = {
    databaseUrl: env.DATABASE_URL || null,
    dataDir: path.resolve(env.PARLEY_DATA_DIR ?? './data'),
    host,
    port,
    baseUrl: (env.PARLEY_BASE_URL ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`).replace(/\/$/, ''),
    sessionSecret: env.PARLEY_SESSION_SECRET || null,
    smtpUrl: env.SMTP_URL || null,
    logLevel: env.LOG_LEVEL ?? 'info',
    maxUploadBytes: Number(env.PARLEY_MAX_UPLOAD_BYTES ?? 10 * 1024 * 1024),
    runJobs: env.PARLEY_RUN_JOBS !== 'false',
    maxEmailBytes: Number(env.PARLEY_MAX_EMAIL_BYTES ?? 25 * 1024 * 1024),
    smtpReceiverPort: env.PARLEY_SMTP_RECEIVER_PORT ? Number(env.PARLEY_SMTP_RECEIVER_PORT) : null,
    smtpReceiverDomains: (env.PARLEY_SMTP_RECEIVER_DOMAINS ?? '').split(/[\s,]+/).map((d) => d.trim().toLowerCase()).filter(Boolean),
    passwordScryptN: Number(env.PARLEY_PASSWORD_SCRYPT_N ?? DEFAULT_SCRYPT_N),
  };
  const config = { ...base, ...overrides };
  if (!validScryptN(config.passwordScryptN)) throw new Error(`PARLEY_PASSWORD_SCRYPT_N must be a power of two from 1024 to 1048576 (got ${env.PARLEY_PASSWORD_SCRYPT_N ?? config.passwordScryptN}).`);
  return config;
}
