import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { federationCode } from '../../federation-code.ts';
import { ApiError, notFound } from '../../../lib/errors.ts';
import { renderScheduledStatus } from '../../../presenters/scheduled-statuses.ts';
import { renderStatus, renderStatuses } from '../../../presenters/statuses.ts';
import { noViewerMarks } from '../../../serializers/status.ts';
import { deleteStatus } from '../../../services/statuses/delete-status.ts';
import { detachMedia } from '../../../services/media/media-attachments.ts';
import { editStatus, statusHistory, type EditStatusInput } from '../../../services/statuses/edit-status.ts';
import { renderStatusEdits } from '../../../presenters/status-edits.ts';
import { filterResultsFor } from '../../../services/moderation/filters.ts';
import { postStatus, type PollInput, type PostStatusInput } from '../../../services/statuses/post-status.ts';
import { RateLimitExceeded, type RateLimitHeaders } from '../../../services/instance/rate-limiter.ts';
import { statusContext, visibleStatusesById } from '../../../services/statuses/status-context.ts';
import { findVisibleStatus } from '../../../services/statuses/visibility.ts';
import { authorize, authorizeIfToken, currentUser, viewerOf } from '../../plugins/auth.ts';
import { listEntries, textList } from '../../params.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';

function pollParam(value: unknown): PollInput | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const poll = value as Record<string, unknown>;
  return {
    options: textList(poll.options),
    expiresIn: typeof poll.expires_in === 'number' ? poll.expires_in : text(poll.expires_in),
    multiple: railsBoolean(poll.multiple) === true,
    hideTotals: railsBoolean(poll.hide_totals) === true,
  };
}

const blankToUndefined = (value: string | undefined) => (value === '' ? undefined : value);

function statusInput(input: Record<string, unknown>): Omit<PostStatusInput, 'applicationId' | 'idempotencyKey'> {
  const sensitive = railsBoolean(input.sensitive);
  return {
    text: text(input.status) ?? '',
    spoilerText: text(input.spoiler_text) ?? '',
    sensitive: typeof sensitive === 'boolean' ? sensitive : null,
    visibility: blankToUndefined(text(input.visibility)),
    language: blankToUndefined(text(input.language)) ?? null,
    inReplyToId: blankToUndefined(text(input.in_reply_to_id)) ?? null,
    poll: pollParam(input.poll),
    mediaIds: textList(input.media_ids),
    scheduledAt: blankToUndefined(text(input.scheduled_at)) ?? null,
  };
}

function sendRateLimitHeaders(reply: FastifyReply, headers: RateLimitHeaders | undefined) {
  if (headers) reply.headers(headers);
}

/** Runs `action`, sending the X-RateLimit-* headers with a 429 it throws. */
async function rateLimited<T>(reply: FastifyReply, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof RateLimitExceeded) reply.headers(error.headers);
    throw error;
  }
}

/** `media_attributes[][id|description|focus]` of an edit, as a list whatever way it was sent. */
function mediaAttributesParam(value: unknown): EditStatusInput['mediaAttributes'] {
  const items = value && typeof value === 'object' ? listEntries(value) : [];
  return items.flatMap((item) => {
    if (!item || typeof item !== 'object') return [];
    const attributes = item as Record<string, unknown>;
    const id = text(attributes.id);
    return id ? [{ id, description: text(attributes.description), focus: text(attributes.focus) }] : [];
  });
}

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

export function statusesRoutes(app: FastifyInstance, ctx: AppContext) {
  // mentions of remote accounts not known here are fetched while posting or editing, as Mastodon does
  const resolveAccount = async (acct: string, signal: AbortSignal) => (await federationCode()).mentionedAccountResolver(ctx)(acct, signal);

  app.post('/api/v1/statuses', { preHandler: authorize({ scopes: ['write:statuses'], user: true }) }, async (request, reply) => {
    const { user, account, auth } = currentUser(request);
    const idempotency = request.headers['idempotency-key'];
    const result = await rateLimited(reply, () =>
      postStatus(
        ctx,
        { account, user },
        {
          ...statusInput(params(request)),
          applicationId: auth.application?.id ?? null,
          application: auth.application,
          idempotencyKey: typeof idempotency === 'string' && idempotency ? idempotency : null,
        },
        { resolveAccount },
      ),
    );
    sendRateLimitHeaders(reply, result.rateLimit);
    if (result.kind === 'scheduled') return renderScheduledStatus(ctx, result.scheduled);
    // the author's filters never apply to their own statuses: none to load; nor has the author marked
    // a status just posted (a reply may be in a conversation they muted: those marks are read)
    const fresh = result.created && !result.status.inReplyToId;
    return renderStatus(ctx, result.status, { viewerId: account.id, filtered: new Map(), ...(fresh ? { preloaded: { originals: [], marks: noViewerMarks() } } : {}) });
  });

  app.get('/api/v1/statuses', { preHandler: authorizeIfToken(['read:statuses']) }, async (request) => {
    const ids = [...new Set(textList(params(request).id))];
    // Mastodon raises a bare Mastodon::ValidationError past DEFAULT_STATUSES_LIMIT
    if (ids.length > 20) throw new ApiError(422, 'Mastodon::ValidationError');
    const viewerId = viewerOf(request);
    const rows = await visibleStatusesById(ctx, ids, viewerId);
    return renderStatuses(ctx, rows, { viewerId });
  });

  app.get('/api/v1/statuses/:id', { preHandler: authorizeIfToken(['read:statuses']) }, async (request) => {
    const viewerId = viewerOf(request);
    const status = await findVisibleStatus(ctx, idOf(request), viewerId);
    if (!status) throw notFound();
    return renderStatus(ctx, status, { viewerId });
  });

  const update = async (request: FastifyRequest, reply: FastifyReply) => {
    const { user, account } = currentUser(request);
    const all = params(request);
    const input = statusInput(all);
    const edit: EditStatusInput = {
      text: input.text,
      spoilerText: input.spoilerText,
      sensitive: input.sensitive,
      language: input.language,
      poll: input.poll,
      mediaIds: input.mediaIds,
      mediaAttributes: mediaAttributesParam(all.media_attributes),
    };
    const { status, rateLimit } = await rateLimited(reply, () => editStatus(ctx, { account, user }, idOf(request), edit, { resolveAccount }));
    sendRateLimitHeaders(reply, rateLimit);
    return renderStatus(ctx, status, { viewerId: account.id });
  };
  app.put('/api/v1/statuses/:id', { preHandler: authorize({ scopes: ['write:statuses'], user: true }) }, update);
  app.patch('/api/v1/statuses/:id', { preHandler: authorize({ scopes: ['write:statuses'], user: true }) }, update);

  app.delete('/api/v1/statuses/:id', { preHandler: authorize({ scopes: ['write:statuses'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const status = await deleteStatus(ctx, account.id, idOf(request));
    // delete-and-redraft: the source text instead of the HTML (Mastodon's `source_requested`)
    const { content: _content, ...rendered } = await renderStatus(ctx, status, { viewerId: account.id });
    // rendered with its attachments first, which the redraft then names again
    await detachMedia(ctx, status.id);
    return { ...rendered, text: status.text };
  });

  app.get('/api/v1/statuses/:id/context', { preHandler: authorizeIfToken(['read:statuses']) }, async (request) => {
    const viewerId = viewerOf(request);
    const status = await findVisibleStatus(ctx, idOf(request), viewerId);
    if (!status) throw notFound();
    const { ancestors, descendants } = await statusContext(ctx, status, viewerId);
    const filtered = await filterResultsFor(ctx, viewerId, [...ancestors, ...descendants], 'thread');
    const [renderedAncestors, renderedDescendants] = await Promise.all([renderStatuses(ctx, ancestors, { viewerId, filtered }), renderStatuses(ctx, descendants, { viewerId, filtered })]);
    return { ancestors: renderedAncestors, descendants: renderedDescendants };
  });

  app.get('/api/v1/statuses/:id/history', { preHandler: authorizeIfToken(['read:statuses']) }, async (request) => {
    const viewerId = viewerOf(request);
    const status = await findVisibleStatus(ctx, idOf(request), viewerId);
    if (!status || status.reblogOfId) throw notFound();
    const rendered = await renderStatus(ctx, status, { viewerId });
    return renderStatusEdits(ctx, await statusHistory(ctx, status), rendered.account);
  });

  app.get('/api/v1/statuses/:id/source', { preHandler: authorize({ scopes: ['read:statuses'] }) }, async (request) => {
    const status = await findVisibleStatus(ctx, idOf(request), viewerOf(request));
    if (!status || status.reblogOfId) throw notFound();
    return { id: status.id, text: status.text, spoiler_text: status.spoilerText };
  });
}
