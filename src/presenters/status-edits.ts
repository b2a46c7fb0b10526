import type { StatusEditRow } from '../services/statuses/edit-status.ts';
import type { AppContext } from '../context.ts';
import type { Account } from '../serializers/entities.ts';
import { renderedMediaByIds } from './media.ts';
import { emojisOfRevisions } from './status-emojis.ts';

/** Renders revisions as Mastodon's StatusEdit entities, with the status' author and each revision's uploads. */
export async function renderStatusEdits(ctx: AppContext, edits: Omit<StatusEditRow, 'id'>[], account: Account) {
  const media = await renderedMediaByIds(
    ctx,
    edits.flatMap((edit) => edit.mediaAttachmentIds ?? []),
  );
  const emojis = edits.length ? await emojisOfRevisions(ctx, edits[0]!.statusId, edits) : [];
  return edits.map((edit, index) => ({
    content: edit.content,
    spoiler_text: edit.spoilerText,
    sensitive: edit.sensitive,
    created_at: edit.createdAt.toISOString(),
    account,
    poll: edit.pollOptions ? { options: edit.pollOptions.map((title) => ({ title })) } : null,
    media_attachments: (edit.mediaAttachmentIds ?? []).flatMap((id) => media.get(id) ?? []),
    emojis: emojis[index] ?? [],
  }));
}
