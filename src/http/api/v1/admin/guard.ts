import type { FastifyReply, FastifyRequest } from 'fastify';
import { baseUrl, type Config } from '../../../../config/index.ts';
import { type PageRequest, pageRequest } from '../../../pagination.ts';
import { ApiError } from '../../../../lib/errors.ts';
import { hasPermission } from '../../../../services/accounts/roles.ts';
import { grants } from '../../../../services/oauth/scopes.ts';
import { userAccessProblem } from '../../../../services/accounts/users.ts';

/**
 * An admin API guard as Mastodon's: `authorize_if_got_token!` on the scopes (a token must carry
 * one of them), then the policy: the token's user must hold `permission`, else 403 "This action
 * is not allowed" (also without a token, as Mastodon's policies refuse nobody).
 */
export function adminGuard(scopes: string[], permission: number) {
  const checkScopes = adminScopeGuard(scopes);
  return async function checkAdmin(request: FastifyRequest, reply: FastifyReply) {
    await checkScopes(request, reply);
    if (!callerCan(request, permission)) throw new ApiError(403, 'This action is not allowed');
  };
}

/** `authorize_if_got_token!` alone: a token must carry one of the scopes; what follows depends on the caller's role. */
export function adminScopeGuard(scopes: string[]) {
  return async function checkScopes(request: FastifyRequest, _reply: FastifyReply) {
    const auth = request.auth;
    if (!auth && request.authError && request.authError !== 'The access token is invalid') throw new ApiError(401, request.authError);
    if (auth && !scopes.some((scope) => grants(auth.scopes, scope))) throw new ApiError(403, 'This action is outside the authorized scopes');
  };
}

/** Whether the caller is staff holding `permission` (`current_user&.can?`). */
export function callerCan(request: FastifyRequest, permission: number): boolean {
  const auth = request.auth;
  return !!auth?.user && !!auth.account && !userAccessProblem(auth.user, auth.account) && hasPermission(auth.user.role, permission);
}

/** Mastodon's admin Link header: `next` only when the page is full, `prev` unless it is empty; `limit` kept. */
function adminLinkHeader(config: Config, request: FastifyRequest, reply: FastifyReply, path: string, ids: string[], limit: number) {
  if (ids.length === 0) return;
  const url = (name: string, id: string) => {
    const next = new URL(path, baseUrl(config));
    const given = new URL(request.url, baseUrl(config)).searchParams.get('limit');
    if (given !== null) next.searchParams.set('limit', given);
    next.searchParams.set(name, id);
    return next.toString();
  };
  const links = [];
  if (ids.length === limit) links.push(`<${url('max_id', ids[ids.length - 1]!)}>; rel="next"`);
  links.push(`<${url('min_id', ids[0]!)}>; rel="prev"`);
  reply.header('link', links.join(', '));
}

/** A page of an admin list (limit up to twice `limit`, Mastodon's admin Link header), rendered. */
export async function adminPage<R extends { id: string | number }, T>(
  config: Config,
  request: FastifyRequest,
  reply: FastifyReply,
  list: { path: string; limit: number; load: (page: PageRequest) => Promise<R[]>; render: (row: R) => T },
): Promise<T[]> {
  const page = pageRequest(request, list.limit, list.limit * 2);
  const rows = await list.load(page);
  adminLinkHeader(
    config,
    request,
    reply,
    list.path,
    rows.map((row) => String(row.id)),
    page.limit,
  );
  return rows.map(list.render);
}
