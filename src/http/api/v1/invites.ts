import type { FastifyInstance } from 'fastify';
import { baseUrl } from '../../../config/index.ts';
import type { AppContext } from '../../../context.ts';
import { ApiError, validationFailed } from '../../../lib/errors.ts';
import { hasPermission, PERMISSIONS } from '../../../services/accounts/roles.ts';
import { createInvite, expireInvite, listInvites } from '../../../services/accounts/invites.ts';
import { renderInvite } from '../../../serializers/invite.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';

/** A whole number of seconds or uses, or null when blank. */
function positiveInteger(value: unknown, name: string): number | null {
  const given = text(value);
  if (given === undefined || given === '') return null;
  if (!/^\d{1,9}$/.test(given) || Number(given) < 1) throw validationFailed([`${name} must be greater than 0`]);
  return Number(given);
}

/**
 * Invites for the staff and web interfaces (Mastodon has them on its web pages, /invites, not in
 * its API): a member whose role has invite_users (every member's, by default) lists, makes and expires their own invites.
 */
export function invitesRoutes(app: FastifyInstance, ctx: AppContext) {
  const mayInvite = (request: Parameters<typeof currentUser>[0]) => {
    const { user } = currentUser(request);
    if (!hasPermission(user.role, PERMISSIONS.inviteUsers)) throw new ApiError(403, 'This action is not allowed');
    return user;
  };

  app.get('/api/v1/invites', { preHandler: authorize({ scopes: ['read'], user: true }) }, async (request) => {
    const user = mayInvite(request);
    return (await listInvites(ctx, user.id)).map((invite) => renderInvite(invite, baseUrl(ctx.config)));
  });

  app.post('/api/v1/invites', { preHandler: authorize({ scopes: ['write'], user: true }) }, async (request) => {
    const user = mayInvite(request);
    const input = params(request);
    const invite = await createInvite(ctx, user.id, {
      maxUses: positiveInteger(input.max_uses, 'Max uses'),
      expiresIn: positiveInteger(input.expires_in, 'Expires in'),
      autofollow: railsBoolean(input.autofollow) ?? false,
      comment: text(input.comment) ?? null,
    });
    return renderInvite(invite, baseUrl(ctx.config));
  });

  app.delete('/api/v1/invites/:id', { preHandler: authorize({ scopes: ['write'], user: true }) }, async (request) => {
    const user = mayInvite(request);
    await expireInvite(ctx, user.id, (request.params as { id: string }).id);
    return {};
  });
}
