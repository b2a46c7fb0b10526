import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { notFound } from '../../../lib/errors.ts';
import { serializeRelationship } from '../../../serializers/relationship.ts';
import { findAccountById } from '../../../services/accounts/account-lookup.ts';
import { setAccountNote } from '../../../services/accounts/account-note.ts';
import { blockAccount, unblockAccount } from '../../../services/relationships/block-account.ts';
import { endorseAccount, unendorseAccount } from '../../../services/accounts/endorse-account.ts';
import { followAccount, type FollowInput } from '../../../services/relationships/follow-account.ts';
import { muteAccount, unmuteAccount } from '../../../services/relationships/mute-account.ts';
import { RateLimitExceeded } from '../../../services/instance/rate-limiter.ts';
import { loadRelationships } from '../../../services/relationships/relationships.ts';
import { removeFromFollowers, unfollowAccount } from '../../../services/relationships/unfollow-account.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { textList } from '../../params.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';

const TEN_YEARS_SECONDS = 10 * 365 * 86_400;

/** The account named by the `:id` path param, or 404. */
export async function targetAccount(ctx: AppContext, request: FastifyRequest) {
  const found = await findAccountById(ctx, (request.params as { id: string }).id);
  if (!found) throw notFound();
  return found.account;
}

export async function relationshipWith(ctx: AppContext, viewerId: string, targetId: string) {
  const relationships = await loadRelationships(ctx, viewerId, [targetId]);
  return serializeRelationship(relationships.get(targetId)!);
}

function followInput(input: Record<string, unknown>): FollowInput {
  const result: FollowInput = {};
  const reblogs = railsBoolean(input.reblogs);
  if (input.reblogs !== undefined) result.reblogs = reblogs ?? false;
  const notify = railsBoolean(input.notify);
  if (input.notify !== undefined) result.notify = notify ?? false;
  if (input.languages !== undefined) {
    result.languages = input.languages === '' ? [] : textList(input.languages);
  }
  return result;
}

const FOLLOWS = ['write:follows'];

export function accountActionRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/accounts/:id/follow', { preHandler: authorize({ scopes: FOLLOWS, user: true }) }, async (request, reply: FastifyReply) => {
    const { account } = currentUser(request);
    const target = await targetAccount(ctx, request);
    try {
      const result = await followAccount(ctx, account, target, followInput(params(request)));
      if (result.rateLimit) reply.headers(result.rateLimit);
    } catch (error) {
      if (error instanceof RateLimitExceeded) reply.headers(error.headers);
      throw error;
    }
    return relationshipWith(ctx, account.id, target.id);
  });

  app.post('/api/v1/accounts/:id/unfollow', { preHandler: authorize({ scopes: FOLLOWS, user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const target = await targetAccount(ctx, request);
    await unfollowAccount(ctx, account.id, target.id);
    return relationshipWith(ctx, account.id, target.id);
  });

  app.post('/api/v1/accounts/:id/remove_from_followers', { preHandler: authorize({ scopes: FOLLOWS, user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const target = await targetAccount(ctx, request);
    await removeFromFollowers(ctx, account.id, target.id);
    return relationshipWith(ctx, account.id, target.id);
  });

  app.post('/api/v1/accounts/:id/block', { preHandler: authorize({ scopes: ['write:blocks'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const target = await targetAccount(ctx, request);
    await blockAccount(ctx, account.id, target.id);
    return relationshipWith(ctx, account.id, target.id);
  });

  app.post('/api/v1/accounts/:id/unblock', { preHandler: authorize({ scopes: ['write:blocks'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const target = await targetAccount(ctx, request);
    await unblockAccount(ctx, account.id, target.id);
    return relationshipWith(ctx, account.id, target.id);
  });

  app.post('/api/v1/accounts/:id/mute', { preHandler: authorize({ scopes: ['write:mutes'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const target = await targetAccount(ctx, request);
    const input = params(request);
    const duration = Number.parseInt(text(input.duration) ?? '0', 10);
    await muteAccount(ctx, account.id, target.id, {
      notifications: input.notifications === undefined ? true : railsBoolean(input.notifications) === true,
      // beyond ten years a mute is as good as forever, and a far larger one overflows the date
      durationSeconds: Number.isFinite(duration) ? Math.min(duration, TEN_YEARS_SECONDS) : 0,
    });
    return relationshipWith(ctx, account.id, target.id);
  });

  app.post('/api/v1/accounts/:id/unmute', { preHandler: authorize({ scopes: ['write:mutes'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const target = await targetAccount(ctx, request);
    await unmuteAccount(ctx, account.id, target.id);
    return relationshipWith(ctx, account.id, target.id);
  });

  app.post('/api/v1/accounts/:id/note', { preHandler: authorize({ scopes: ['write:accounts'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const target = await targetAccount(ctx, request);
    await setAccountNote(ctx, account.id, target.id, text(params(request).comment) ?? '');
    return relationshipWith(ctx, account.id, target.id);
  });

  for (const path of ['endorse', 'pin']) {
    app.post(`/api/v1/accounts/:id/${path}`, { preHandler: authorize({ scopes: ['write:accounts'], user: true }) }, async (request) => {
      const { account } = currentUser(request);
      const target = await targetAccount(ctx, request);
      await endorseAccount(ctx, account.id, target.id);
      return relationshipWith(ctx, account.id, target.id);
    });
  }
  for (const path of ['unendorse', 'unpin']) {
    app.post(`/api/v1/accounts/:id/${path}`, { preHandler: authorize({ scopes: ['write:accounts'], user: true }) }, async (request) => {
      const { account } = currentUser(request);
      const target = await targetAccount(ctx, request);
      await unendorseAccount(ctx, account.id, target.id);
      return relationshipWith(ctx, account.id, target.id);
    });
  }
}
