import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { coalescePerTick } from '../lib/coalesce.ts';
import { type Authentication, authenticateTokens } from '../services/oauth/authenticate-token.ts';
import { userAccessProblem } from '../services/accounts/users.ts';
import type { StreamAuth } from './session.ts';
import { StreamError } from './streams.ts';

/** The token from the Authorization header, the `access_token` query parameter or Sec-WebSocket-Protocol, as Mastodon reads it. */
function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim() || undefined;
  const query = request.query as Record<string, unknown>;
  if (typeof query.access_token === 'string' && query.access_token) return query.access_token;
  const protocol = request.headers['sec-websocket-protocol'];
  const first = typeof protocol === 'string' ? protocol.split(',')[0]?.trim() : undefined;
  return first || undefined;
}

type TokenLookup = (token: string) => Promise<Authentication | { error: string } | undefined>;
const tokenLookups = new WeakMap<AppContext, TokenLookup>();

/** Handshakes that arrive together (clients reconnecting after a restart) look their tokens up in one query. */
function lookupToken(ctx: AppContext, token: string) {
  let lookup = tokenLookups.get(ctx);
  if (!lookup) {
    lookup = coalescePerTick((tokens: string[]) => authenticateTokens(ctx, tokens));
    tokenLookups.set(ctx, lookup);
  }
  return lookup(token);
}

/** Every stream needs a live token of a signed-in, usable login. */
export async function authenticateStream(ctx: AppContext, request: FastifyRequest): Promise<StreamAuth> {
  const token = presentedToken(request);
  if (!token) throw new StreamError(401, 'Missing access token');
  const result = (await lookupToken(ctx, token)) ?? { error: 'The access token is invalid' };
  if ('error' in result || !result.user || !result.account || userAccessProblem(result.user, result.account)) {
    throw new StreamError(401, 'Invalid access token');
  }
  return { tokenId: result.tokenId, accountId: result.account.id, scopes: result.scopes };
}
