import type { AppContext } from '../context.ts';
import { FetchReplies, FetchReply, ThreadResolve } from '../jobs/definitions.ts';
import { enqueue } from '../jobs/enqueue.ts';
import type { StatusRow } from '../services/statuses/post-status.ts';
import type { InboundStatus } from './inbound-status.ts';

/** Replies fetched from one `replies` collection at most (ActivityPub::FetchRepliesService::MAX_REPLIES). */
export const MAX_REPLIES = 5;

const isHttp = (uri: string) => /^https?:\/\//i.test(uri) && URL.canParse(uri);
const sameHost = (a: string, b: string) => isHttp(a) && isHttp(b) && new URL(a).host.toLowerCase() === new URL(b).host.toLowerCase();

/** A new id for a chain of fetches, as Mastodon makes one (`"#{Time.now.utc.to_i}-status-#{uri}"`). */
export const newRequestId = (uri: string) => `${Math.floor(Date.now() / 1000)}-status-${uri}`;

/**
 * What a newly stored remote status sets off in the `pull` queue (Create#resolve_thread and
 * #fetch_replies): the status it replies to, when not known here, is fetched and linked; the
 * replies its `replies` collection lists (embedded, or fetched, from the author's server only) are
 * fetched, five at most. Every fetch carries `requestId`, which bounds the whole chain.
 */
export async function followUpRemoteStatus(ctx: AppContext, status: StatusRow, parsed: InboundStatus, authorUri: string, requestId: string): Promise<void> {
  try {
    if (parsed.inReplyToUri && !status.inReplyToId && isHttp(parsed.inReplyToUri)) {
      await enqueue(ctx, ThreadResolve, { statusId: status.id, parentUri: parsed.inReplyToUri, requestId }, { uniqueKey: `thread-resolve:${status.id}` });
    }
    const replies = parsed.replies;
    if (!replies) return;
    if (replies.items !== null) {
      const uris = [...new Set(replies.items)].filter((uri) => sameHost(uri, authorUri)).slice(0, MAX_REPLIES);
      for (const uri of uris) await enqueue(ctx, FetchReply, { uri, requestId }, { uniqueKey: `fetch-reply:${uri}` });
    } else if (replies.uri && sameHost(replies.uri, authorUri)) {
      await enqueue(ctx, FetchReplies, { statusId: status.id, collectionUri: replies.uri, requestId }, { uniqueKey: `fetch-replies:${status.id}` });
    }
  } catch (error) {
    // the status is stored; what it refers to can be fetched another time
    ctx.log.warn({ err: error, statusId: status.id }, 'could not enqueue the fetches a remote status calls for');
  }
}
