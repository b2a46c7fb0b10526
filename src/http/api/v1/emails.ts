import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { ApiError } from '../../../lib/errors.ts';
import { requestEmailChange } from '../../../services/accounts/change-email.ts';
import { sendConfirmationLink } from '../../../services/accounts/email-confirmation.ts';
import { authorize } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';

/** The token's user, confirmed or not (these endpoints are for members who have not confirmed yet). */
function tokenUser(request: FastifyRequest) {
  const user = request.auth?.user;
  if (!user) throw new ApiError(422, 'This method requires an authenticated user');
  return user;
}

/**
 * Mastodon's Api::V1::Emails::ConfirmationsController: the app a member signed up through may have
 * the confirmation mail sent again, to a corrected address if it gives one (`email`, which then
 * waits for confirmation as a change of address does), and ask whether the address is confirmed.
 */
export function emailsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/emails/confirmations', { preHandler: authorize({ scopes: ['write:accounts'] }) }, async (request) => {
    const user = tokenUser(request);
    if (!user.createdByApplicationId || user.createdByApplicationId !== request.auth?.application?.id) {
      throw new ApiError(403, 'This method is only available to the application the user originally signed-up with');
    }
    if (user.confirmedAt && !user.unconfirmedEmail) throw new ApiError(403, 'This method is only available while the e-mail is awaiting confirmation');
    const input = params(request);
    if (input.email !== undefined) {
      const { pending } = await requestEmailChange(ctx, user, { email: text(input.email) ?? '' });
      // a change mails its own link; going back to the address in use still needs one for it
      if (pending) return {};
    }
    await sendConfirmationLink(ctx, user.id);
    return {};
  });

  app.get('/api/v1/emails/check_confirmation', { preHandler: authorize({ scopes: ['read:accounts'] }) }, async (request) => !!tokenUser(request).confirmedAt);
}
