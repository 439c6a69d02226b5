/**
 * Typed errors that steer the workers: transient ones are retried (the pusher maps them to
 * BullMQ's retry path, honouring retryAfterMs), permanent ones stop at once and become a
 * conflict-report entry carrying the provider's message and field.
 */
export class ConnectorError extends Error {
  readonly provider: string;
  readonly status: number | null;
  constructor(provider: string, message: string, status: number | null, options?: ErrorOptions) {
    super(message, options);
    this.provider = provider;
    this.status = status;
  }
}

/** Network error, timeout, 5xx, 429, or an unparseable 200: worth retrying. */
export class TransientError extends ConnectorError {
  override readonly name = 'TransientError';
  readonly retryAfterMs: number | null;
  /**
   * False when the provider certainly did not apply the request (429, connection refused);
   * true when it may have (timeout, 5xx, reset after sending). A create with an unknown
   * outcome must look for the record it may have made before trying again.
   */
  mayHaveApplied = true;
  constructor(
    provider: string,
    message: string,
    status: number | null,
    retryAfterMs: number | null = null,
    options?: ErrorOptions,
  ) {
    super(provider, message, status, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The provider refused the request for a reason a retry will not change (4xx validation, 422 duplicate). */
export class PermanentError extends ConnectorError {
  override readonly name = 'PermanentError';
  /** The wire field the provider named, when it named one. */
  readonly field: string | null;
  constructor(
    provider: string,
    message: string,
    status: number | null,
    field: string | null = null,
    options?: ErrorOptions,
  ) {
    super(provider, message, status, options);
    this.field = field;
  }
}

/** The record does not exist (404, or the provider's equivalent). */
export class NotFoundError extends ConnectorError {
  override readonly name = 'NotFoundError';
}
