/** An RFC 6749 error as Doorkeeper renders it: `{"error": code, "error_description": text}`. */
export class OAuthError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: string, description: string) {
    super(description);
    this.statusCode = statusCode;
    this.code = code;
  }
}

export const invalidClient = () =>
  new OAuthError(401, 'invalid_client', 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.');
export const invalidGrant = () =>
  new OAuthError(
    400,
    'invalid_grant',
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  );
export const invalidScope = () => new OAuthError(400, 'invalid_scope', 'The requested scope is invalid, unknown, or malformed.');
export const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);
