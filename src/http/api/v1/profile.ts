import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { serializeCredentialAccount } from '../../../serializers/account.ts';
import type { AccountImageKind } from '../../../services/accounts/account-image-processing.ts';
import { followRequestsCount, updateCredentials } from '../../../services/accounts/credentials.ts';
import { renderMovedTo } from '../../../presenters/moved-accounts.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';

/**
 * `DELETE /api/v1/profile/avatar` and `/header` (Api::V1::Profile::AvatarsController and
 * HeadersController): the image is removed, followers' servers get the Update, and the member's
 * CredentialAccount is the answer, whether there was an image or not.
 */
export function profileRoutes(app: FastifyInstance, ctx: AppContext) {
  const remove = (kind: AccountImageKind) => async (request: FastifyRequest) => {
    const { account, user } = await updateCredentials(ctx, currentUser(request), { [kind]: null });
    return serializeCredentialAccount(ctx, account, user, await followRequestsCount(ctx, account.id), await renderMovedTo(ctx, account));
  };
  const write = { preHandler: authorize({ scopes: ['write:accounts'], user: true }) };
  app.delete('/api/v1/profile/avatar', write, remove('avatar'));
  app.delete('/api/v1/profile/header', write, remove('header'));
}
