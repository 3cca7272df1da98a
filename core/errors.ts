/**
 * The one error factory. Every error a user can see carries a stable code (`PARLEY_ERR_*`), an HTTP
 * status and a message that says what to do. Plugin errors also carry the plugin's name.
 */
export const ErrorCodes = {
  BAD_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_TYPE: 415,
  VETOED: 422,
  RATE_LIMITED: 429,
  CSRF: 403,
  PLUGIN_BOOT: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class ParleyError extends Error {
  readonly code: `PARLEY_ERR_${ErrorCode}`;
  readonly statusCode: number;
  readonly plugin: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: { plugin?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'ParleyError';
    this.code = `PARLEY_ERR_${code}`;
    this.statusCode = ErrorCodes[code];
    this.plugin = opts.plugin;
    this.details = opts.details;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...(this.plugin ? { plugin: this.plugin } : {}), ...(this.details ?? {}) };
  }
}

export function parleyError(code: ErrorCode, message: string, opts?: ConstructorParameters<typeof ParleyError>[2]): ParleyError {
  return new ParleyError(code, message, opts);
}

export const notFound = (what = 'That page'): ParleyError => parleyError('NOT_FOUND', `${what} does not exist or you are not allowed to see it.`);
export const forbidden = (message: string): ParleyError => parleyError('FORBIDDEN', message);
export const badInput = (message: string, details?: Record<string, unknown>): ParleyError => parleyError('BAD_INPUT', message, { details });
