import { conversations, customEmojis, mediaAttachments, mentions, pollVotes, polls, previewCards, previewCardsStatuses, statusEdits, statuses, statusesTags, tags } from '../../../../db/schema.ts';
import { htmlToPlainText } from '../../../../lib/filter-matching.ts';
import { renderStatusHtml, type MentionResolver } from '../../../statuses/text/format-status.ts';
import { MEDIA_PROCESSING, MEDIA_TYPE, PREVIEW_CARD_LINK_TYPE, PREVIEW_CARD_TYPE, STATUS_VISIBILITY } from '../mastodon-enums.ts';
import { carryFile, paperclipPath, withExtension } from '../paperclip.ts';
import { orNull, type ImportStep, type StepContext } from '../step.ts';

interface MentionedAccount {
  status_id: string;
  username: string;
  domain: string | null;
  url: string | null;
  uri: string;
}

/**
 * Renders a local status' text as Subspace does when it is posted, its mentions resolved to the
 * accounts Mastodon recorded for it (not looked up again: the import never reaches other servers).
 */
async function renderers(ctx: StepContext, statusIds: string[]): Promise<(statusId: string, text: string) => string> {
  const rows = statusIds.length
    ? await ctx.source.query<MentionedAccount>(
        `SELECT m.status_id::text AS status_id, a.username, a.domain, a.url, a.uri FROM mentions m JOIN accounts a ON a.id = m.account_id WHERE m.status_id = ANY($1::bigint[])`,
        [statusIds],
      )
    : [];
  const byStatus = new Map<string, MentionedAccount[]>();
  for (const row of rows) byStatus.set(row.status_id, [...(byStatus.get(row.status_id) ?? []), row]);
  const localDomain = ctx.config.localDomain.toLowerCase();
  return (statusId, text) => {
    const mentioned = byStatus.get(statusId) ?? [];
    const resolve: MentionResolver = (username, domain) => {
      const wanted = domain && domain.toLowerCase() !== localDomain ? domain.toLowerCase() : null;
      const account = mentioned.find((candidate) => candidate.username.toLowerCase() === username.toLowerCase() && (candidate.domain?.toLowerCase() ?? null) === wanted);
      if (!account) return undefined;
      return { username: account.username, url: account.domain === null ? `${ctx.base}/@${account.username}` : (account.url ?? account.uri) };
    };
    return renderStatusHtml(text, ctx.base, resolve);
  };
}

interface StatusSource {
  id: string;
  uri: string | null;
  url: string | null;
  text: string;
  created_at: Date;
  updated_at: Date;
  in_reply_to_id: string | null;
  reblog_of_id: string | null;
  sensitive: boolean;
  visibility: number;
  spoiler_text: string;
  language: string | null;
  conversation_id: string | null;
  local: boolean | null;
  account_id: string;
  application_id: string | null;
  in_reply_to_account_id: string | null;
  poll_id: string | null;
  deleted_at: Date | null;
  edited_at: Date | null;
  trendable: boolean | null;
  username: string;
  account_domain: string | null;
  replies_count: string | null;
  reblogs_count: string | null;
  favourites_count: string | null;
}

export const conversationsStep: ImportStep<{ id: string; uri: string | null; created_at: Date }> = {
  name: 'conversations',
  table: 'conversations',
  select: `SELECT id::text AS id, uri, created_at FROM conversations WHERE id > $1::bigint ORDER BY id LIMIT $2`,
  async write(tx, rows) {
    await tx
      .insert(conversations)
      .values(rows.map((row) => ({ id: row.id, uri: row.uri, createdAt: row.created_at })))
      .onConflictDoNothing();
  },
};

export const statusesStep: ImportStep<StatusSource> = {
  name: 'statuses',
  table: 'statuses',
  select: `SELECT s.id::text AS id, s.uri, s.url, s.text, s.created_at, s.updated_at, s.in_reply_to_id::text AS in_reply_to_id, s.reblog_of_id::text AS reblog_of_id,
      s.sensitive, s.visibility, s.spoiler_text, s.language, s.conversation_id::text AS conversation_id, s.local, s.account_id::text AS account_id,
      s.application_id::text AS application_id, s.in_reply_to_account_id::text AS in_reply_to_account_id, s.poll_id::text AS poll_id,
      s.deleted_at, s.edited_at, s.trendable, a.username, a.domain AS account_domain, st.replies_count, st.reblogs_count, st.favourites_count
    FROM statuses s JOIN accounts a ON a.id = s.account_id LEFT JOIN status_stats st ON st.status_id = s.id
    WHERE s.id > $1::bigint ORDER BY s.id LIMIT $2`,
  async write(tx, rows, ctx, skip) {
    const ids = rows.map((row) => row.id);
    const render = await renderers(
      ctx,
      rows.filter((row) => row.account_domain === null).map((row) => row.id),
    );
    const values = rows.map((row) => {
      const local = row.account_domain === null;
      const visibility = STATUS_VISIBILITY[row.visibility];
      if (!visibility) skip(`statuses of an unknown visibility (${row.visibility}): imported as direct`);
      return {
        id: row.id,
        // Mastodon stored a local status' uri when it was made; its url is computed (the same as Subspace's)
        uri: row.uri ?? `${ctx.base}/users/${row.username}/statuses/${row.id}`,
        url: local ? (row.reblog_of_id ? null : `${ctx.base}/@${row.username}/${row.id}`) : row.url,
        accountId: row.account_id,
        // a remote status' text is its HTML; Subspace keeps it as content, and the plain text for search, as for one received
        text: local ? row.text : htmlToPlainText(row.text),
        content: local ? (row.reblog_of_id ? '' : render(row.id, row.text)) : row.text,
        spoilerText: row.spoiler_text,
        sensitive: row.sensitive,
        visibility: visibility ?? 'direct',
        language: row.language,
        inReplyToId: row.in_reply_to_id,
        inReplyToAccountId: row.in_reply_to_account_id,
        reblogOfId: row.reblog_of_id,
        conversationId: row.conversation_id,
        applicationId: row.application_id,
        local,
        pollId: row.poll_id,
        repliesCount: Number(row.replies_count ?? 0),
        reblogsCount: Number(row.reblogs_count ?? 0),
        favouritesCount: Number(row.favourites_count ?? 0),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        editedAt: row.edited_at,
        deletedAt: row.deleted_at,
        trendable: row.trendable,
      };
    });
    await tx.insert(statuses).values(values).onConflictDoNothing();
    // the hashtags and link previews of these statuses, read with them
    const tagged = await ctx.source.query<{ status_id: string; tag_id: string }>(`SELECT status_id::text AS status_id, tag_id::text AS tag_id FROM statuses_tags WHERE status_id = ANY($1::bigint[])`, [
      ids,
    ]);
    if (tagged.length > 0)
      await tx
        .insert(statusesTags)
        .values(tagged.map((row) => ({ statusId: row.status_id, tagId: row.tag_id })))
        .onConflictDoNothing();
    const cards = await ctx.source.query<{ status_id: string; preview_card_id: string; url: string | null }>(
      `SELECT status_id::text AS status_id, preview_card_id::text AS preview_card_id, url FROM preview_cards_statuses WHERE status_id = ANY($1::bigint[])`,
      [ids],
    );
    if (cards.length > 0)
      await tx
        .insert(previewCardsStatuses)
        .values(cards.map((row) => ({ statusId: row.status_id, previewCardId: row.preview_card_id, url: row.url })))
        .onConflictDoNothing();
  },
};

interface EditSource {
  id: string;
  status_id: string;
  account_id: string | null;
  text: string;
  spoiler_text: string;
  created_at: Date;
  ordered_media_attachment_ids: string[] | null;
  poll_options: string[] | null;
  sensitive: boolean | null;
  local: boolean;
}

export const statusEditsStep: ImportStep<EditSource> = {
  name: 'status edits',
  table: 'status_edits',
  select: `SELECT e.id::text AS id, e.status_id::text AS status_id, e.account_id::text AS account_id, e.text, e.spoiler_text, e.created_at,
      e.ordered_media_attachment_ids::text[] AS ordered_media_attachment_ids, e.poll_options, e.sensitive, (a.domain IS NULL) AS local
    FROM status_edits e JOIN statuses s ON s.id = e.status_id JOIN accounts a ON a.id = s.account_id
    WHERE e.id > $1::bigint ORDER BY e.id LIMIT $2`,
  async write(tx, rows, ctx) {
    const render = await renderers(ctx, [...new Set(rows.filter((row) => row.local).map((row) => row.status_id))]);
    await tx
      .insert(statusEdits)
      .values(
        rows.map((row) => ({
          id: row.id,
          statusId: row.status_id,
          accountId: row.account_id,
          text: row.local ? row.text : htmlToPlainText(row.text),
          content: row.local ? render(row.status_id, row.text) : row.text,
          spoilerText: row.spoiler_text,
          sensitive: row.sensitive ?? false,
          pollOptions: row.poll_options,
          mediaAttachmentIds: row.ordered_media_attachment_ids,
          createdAt: row.created_at,
        })),
      )
      .onConflictDoNothing();
  },
};

export const pollsStep: ImportStep = {
  name: 'polls',
  table: 'polls',
  select: `SELECT p.id::text AS id, p.account_id::text AS account_id, p.status_id::text AS status_id, p.expires_at, p.options, p.cached_tallies::int[] AS cached_tallies,
      p.multiple, p.hide_totals, p.votes_count, p.voters_count, p.created_at, p.updated_at
    FROM polls p WHERE p.id > $1::bigint ORDER BY p.id LIMIT $2`,
  async write(tx, rows) {
    const now = Date.now();
    await tx
      .insert(polls)
      .values(
        rows.map((row) => ({
          id: row.id,
          accountId: row.account_id,
          statusId: row.status_id,
          expiresAt: row.expires_at,
          options: row.options,
          cachedTallies: row.cached_tallies,
          multiple: row.multiple,
          hideTotals: row.hide_totals,
          votesCount: Number(row.votes_count),
          votersCount: Number(row.voters_count ?? row.votes_count),
          // Mastodon told the voters of the polls that ended already: they are not told again
          expiryNotifiedAt: row.expires_at && row.expires_at.getTime() < now ? row.expires_at : null,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        })),
      )
      .onConflictDoNothing();
  },
};

export const pollVotesStep: ImportStep = {
  name: 'poll votes',
  table: 'poll_votes',
  select: `SELECT id::text AS id, account_id::text AS account_id, poll_id::text AS poll_id, choice, created_at FROM poll_votes WHERE id > $1::bigint ORDER BY id LIMIT $2`,
  async write(tx, rows) {
    await tx
      .insert(pollVotes)
      .values(rows.map((row) => ({ id: row.id, accountId: row.account_id, pollId: row.poll_id, choice: row.choice, createdAt: row.created_at })))
      .onConflictDoNothing();
  },
};

export const mentionsStep: ImportStep = {
  name: 'mentions',
  table: 'mentions',
  select: `SELECT id::text AS id, status_id::text AS status_id, account_id::text AS account_id, silent, created_at FROM mentions WHERE id > $1::bigint ORDER BY id LIMIT $2`,
  async write(tx, rows) {
    await tx
      .insert(mentions)
      .values(rows.map((row) => ({ id: row.id, statusId: row.status_id, accountId: row.account_id, silent: row.silent, createdAt: row.created_at })))
      .onConflictDoNothing();
  },
};

export const tagsStep: ImportStep = {
  name: 'hashtags',
  table: 'tags',
  select: `SELECT id::text AS id, name, display_name, usable, listable, trendable, reviewed_at, requested_review_at, max_score, max_score_at, created_at FROM tags WHERE id > $1::bigint ORDER BY id LIMIT $2`,
  async write(tx, rows) {
    await tx
      .insert(tags)
      .values(
        rows.map((row) => ({
          id: row.id,
          name: row.display_name || row.name,
          usable: row.usable ?? true,
          listable: row.listable ?? true,
          trendable: row.trendable,
          reviewedAt: row.reviewed_at,
          requestedReviewAt: row.requested_review_at,
          maxScore: row.max_score,
          maxScoreAt: row.max_score_at,
          createdAt: row.created_at,
        })),
      )
      .onConflictDoNothing();
  },
};

export const mediaAttachmentsStep: ImportStep = {
  name: 'media attachments',
  table: 'media_attachments',
  select: `SELECT m.id::text AS id, m.status_id::text AS status_id, m.account_id::text AS account_id, m.type, m.remote_url, m.file_file_name, m.file_content_type, m.file_file_size,
      m.file_meta, m.description, m.blurhash, m.processing, m.scheduled_status_id, m.thumbnail_file_name, m.thumbnail_content_type, m.created_at, m.updated_at,
      (SELECT a.domain IS NOT NULL FROM accounts a WHERE a.id = m.account_id) AS remote,
      (SELECT array_position(s.ordered_media_attachment_ids, m.id) FROM statuses s WHERE s.id = m.status_id) AS position
    FROM media_attachments m WHERE m.id > $1::bigint ORDER BY m.id LIMIT $2`,
  async write(tx, rows, ctx, skip) {
    const values = [];
    for (const row of rows) {
      const remote = row.remote === true;
      const type = MEDIA_TYPE[row.type] ?? 'unknown';
      const path = (style: string, fileName: string) => paperclipPath({ attachment: 'media_attachments/files', id: row.id, style, fileName, remote });
      let fileKey: string | null = null;
      let smallFileKey: string | null = null;
      let thumbnailFileKey: string | null = null;
      // a remote attachment not carried is fetched again from its remote_url
      if (row.file_file_name && !(remote && ctx.media.kind === 'none')) {
        const original = await carryFile(ctx.media, path('original', row.file_file_name), row.file_content_type);
        if ('key' in original) {
          fileKey = original.key;
          const small = await carryFile(ctx.media, path('small', type === 'image' ? row.file_file_name : withExtension(row.file_file_name, '.png')), null);
          smallFileKey = 'key' in small ? small.key : null;
        } else skip(`${original.skipped}: media attachments`);
        if (row.thumbnail_file_name) {
          const thumbnail = await carryFile(
            ctx.media,
            paperclipPath({ attachment: 'media_attachments/thumbnails', id: row.id, style: 'original', fileName: row.thumbnail_file_name, remote }),
            row.thumbnail_content_type,
          );
          thumbnailFileKey = 'key' in thumbnail ? thumbnail.key : null;
        }
      }
      values.push({
        id: row.id,
        statusId: row.status_id,
        accountId: row.account_id,
        type,
        remoteUrl: row.remote_url,
        fileKey,
        smallFileKey,
        fileSize: row.file_file_size,
        processing: MEDIA_PROCESSING[row.processing ?? 2] ?? 'complete',
        contentType: row.file_content_type,
        description: row.description,
        blurhash: row.blurhash,
        meta: row.file_meta,
        thumbnailFileKey,
        thumbnailContentType: thumbnailFileKey ? row.thumbnail_content_type : null,
        position: row.position ? row.position - 1 : 0,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      });
    }
    if (values.length > 0) await tx.insert(mediaAttachments).values(values).onConflictDoNothing();
  },
};

export const previewCardsStep: ImportStep = {
  name: 'preview cards',
  table: 'preview_cards',
  select: `SELECT p.*, p.id::text AS id FROM preview_cards p WHERE p.id > $1::bigint ORDER BY p.id LIMIT $2`,
  async write(tx, rows, ctx, skip) {
    const values = [];
    for (const row of rows) {
      let imageFileKey: string | null = null;
      if (row.image_file_name) {
        const image = await carryFile(
          ctx.media,
          paperclipPath({ attachment: 'preview_cards/images', id: row.id, style: 'original', fileName: row.image_file_name, remote: false }),
          row.image_content_type,
        );
        if ('key' in image) imageFileKey = image.key;
        else skip(`${image.skipped}: preview card images`);
      }
      values.push({
        id: row.id,
        url: row.url,
        title: row.title,
        description: row.description,
        type: PREVIEW_CARD_TYPE[row.type] ?? 'link',
        linkType: row.link_type === null ? null : (PREVIEW_CARD_LINK_TYPE[row.link_type] ?? null),
        html: row.html,
        authorName: row.author_name,
        authorUrl: row.author_url,
        providerName: row.provider_name,
        providerUrl: row.provider_url,
        width: row.width,
        height: row.height,
        embedUrl: row.embed_url,
        imageFileKey,
        imageContentType: imageFileKey ? row.image_content_type : null,
        imageFileSize: imageFileKey ? row.image_file_size : null,
        blurhash: row.blurhash,
        imageDescription: row.image_description,
        language: row.language,
        publishedAt: row.published_at,
        trendable: row.trendable,
        maxScore: row.max_score,
        maxScoreAt: row.max_score_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      });
    }
    if (values.length > 0) await tx.insert(previewCards).values(values).onConflictDoNothing();
  },
};

export const customEmojisStep: ImportStep = {
  name: 'custom emoji',
  table: 'custom_emojis',
  select: `SELECT e.*, e.id::text AS id, (SELECT c.name FROM custom_emoji_categories c WHERE c.id = e.category_id) AS category FROM custom_emojis e WHERE e.id > $1::bigint ORDER BY e.id LIMIT $2`,
  async write(tx, rows, ctx, skip) {
    const values = [];
    for (const row of rows) {
      const remote = row.domain !== null;
      let imageFileKey: string | null = null;
      let imageStaticFileKey: string | null = null;
      if (row.image_file_name && !(remote && ctx.media.kind === 'none')) {
        const path = (style: string, fileName: string) => paperclipPath({ attachment: 'custom_emojis/images', id: row.id, style, fileName, remote });
        const image = await carryFile(ctx.media, path('original', row.image_file_name), row.image_content_type);
        if ('key' in image) {
          imageFileKey = image.key;
          const still = await carryFile(ctx.media, path('static', withExtension(row.image_file_name, '.png')), 'image/png');
          imageStaticFileKey = 'key' in still ? still.key : null;
        } else skip(`${image.skipped}: custom emoji`);
      }
      values.push({
        id: row.id,
        shortcode: row.shortcode,
        domain: row.domain,
        imageUrl: orNull(row.image_remote_url),
        imageFileKey,
        imageStaticFileKey,
        imageContentType: row.image_content_type,
        uri: row.uri,
        visibleInPicker: row.visible_in_picker,
        disabled: row.disabled,
        category: row.category,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      });
    }
    if (values.length > 0) await tx.insert(customEmojis).values(values).onConflictDoNothing();
  },
};
