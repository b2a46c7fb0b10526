export interface IssuedToken {
  accessToken: string;
  id: string;
  scopes: string[];
  createdAt: Date;
}

/** Mastodon's Token entity. */
export function renderToken(token: IssuedToken) {
  return {
    access_token: token.accessToken,
    token_type: 'Bearer',
    scope: token.scopes.join(' '),
    created_at: Math.floor(token.createdAt.getTime() / 1000),
  };
}
