/** An error a client sees as Mastodon's `{"error": "…"}` with this status. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
  constructor(statusCode: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.statusCode = statusCode;
    this.body = { error: message, ...extra };
  }
}

export const notFound = () => new ApiError(404, 'Record not found');

/** Rails' `Validation failed: …` 422, with per-field `details` as Mastodon sends for sign-ups. */
export function validationFailed(messages: string[], details?: Record<string, { error: string; description: string }[]>) {
  return new ApiError(422, `Validation failed: ${messages.join(', ')}`, details ? { details } : {});
}
