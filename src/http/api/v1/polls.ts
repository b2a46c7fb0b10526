import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { renderPoll } from '../../../serializers/status.ts';
import { emojisOfPoll } from '../../../presenters/status-emojis.ts';
import { findVisiblePoll, ownVotes, voteInPoll } from '../../../services/statuses/vote-in-poll.ts';
import { authorize, authorizeIfToken, currentUser, viewerOf } from '../../plugins/auth.ts';
import { listEntries } from '../../params.ts';
import { params, text } from '../../plugins/params.ts';

const pollId = (request: FastifyRequest) => (request.params as { id: string }).id;

/** `choices[]=0&choices[]=2`, a JSON array, or a hash keyed by position. */
function choiceList(value: unknown): string[] {
  return listEntries(value).map((entry) => text(entry) ?? '');
}

export function pollsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/polls/:id', { preHandler: authorizeIfToken(['read:statuses']) }, async (request) => {
    const viewerId = viewerOf(request);
    const poll = await findVisiblePoll(ctx, pollId(request), viewerId);
    return renderPoll(poll, await ownVotes(ctx, poll.id, viewerId), viewerId, await emojisOfPoll(ctx, poll));
  });

  app.post('/api/v1/polls/:id/votes', { preHandler: authorize({ scopes: ['write', 'write:statuses'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const poll = await voteInPoll(ctx, account.id, pollId(request), choiceList(params(request).choices));
    return renderPoll(poll, await ownVotes(ctx, poll.id, account.id), account.id, await emojisOfPoll(ctx, poll));
  });
}
