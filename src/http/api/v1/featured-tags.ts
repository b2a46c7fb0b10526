import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { validationFailed } from '../../../lib/errors.ts';
import { findOrCreateTag, validTagName } from '../../../services/statuses/tag-entities.ts';
import { renderFeaturedTags, renderTags } from '../../../presenters/tags.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';
import { featuredTagsOf, featuredTagSuggestions, featureTag, removeFeaturedTag } from '../../../services/statuses/featured-tags.ts';
import { ownRecord } from '../../params.ts';

const read = { preHandler: authorize({ scopes: ['read', 'read:accounts'], user: true }) };
const write = { preHandler: authorize({ scopes: ['write', 'write:accounts'], user: true }) };

/** `/api/v1/featured_tags` (an account's list, `GET /api/v1/accounts/:id/featured_tags`, lives with the account collections). */
export function featuredTagsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/featured_tags', read, async (request) => {
    const { account } = currentUser(request);
    const rendered = await renderFeaturedTags(ctx, account, await featuredTagsOf(ctx, account.id));
    // most used first, as Mastodon lists them
    return rendered.sort((a, b) => Number(b.statuses_count) - Number(a.statuses_count) || (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
  });

  app.post('/api/v1/featured_tags', write, async (request) => {
    const { account } = currentUser(request);
    const name = (text(params(request).name) ?? '').trim().replace(/^#/, '');
    if (!name) throw validationFailed(["Name can't be blank"]);
    if (!validTagName(name)) throw validationFailed(['Name is invalid']);
    const tag = await findOrCreateTag(ctx, name);
    if (!tag) throw validationFailed(['Name is invalid']);
    const row = await featureTag(ctx, account.id, tag.id);
    return (await renderFeaturedTags(ctx, account, [row]))[0];
  });

  // the tags the member used most lately that they have not featured yet (Tag.suggestions_for_account)
  app.get('/api/v1/featured_tags/suggestions', read, async (request) => {
    const { account } = currentUser(request);
    return renderTags(ctx, await featuredTagSuggestions(ctx, account.id), account.id);
  });

  app.delete('/api/v1/featured_tags/:id', write, async (request) => {
    await ownRecord(request, (accountId, id) => removeFeaturedTag(ctx, accountId, id));
    return {};
  });
}
