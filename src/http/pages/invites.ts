import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { findUsableInvite } from '../../services/accounts/invites.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { messagePage } from '../views/oauth.ts';

/**
 * An invite's link (Mastodon's `/invite/:invite_code`; `/invites/:code` too): leads to the sign-up
 * page with the code, or says the invite can no longer be used.
 */
export function invitePageRoutes(app: FastifyInstance, ctx: AppContext) {
  const show = async (request: FastifyRequest, reply: FastifyReply) => {
    const { code } = request.params as { code: string };
    if (await findUsableInvite(ctx, code)) return reply.redirect(`/auth/sign_up?invite_code=${encodeURIComponent(code)}`, 302);
    const { site_title } = await getSettings(ctx);
    return reply
      .status(404)
      .type('text/html; charset=utf-8')
      .send(messagePage(site_title, 'Invite not valid', 'This invite link has expired, has been used up, or does not exist.'));
  };
  app.get('/invite/:code', show);
  app.get('/invites/:code', show);
}
