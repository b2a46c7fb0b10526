import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { lists } from '../db/schema.ts';
import { rowId } from '../lib/ids.ts';
import { grants } from '../services/oauth/scopes.ts';
import { channels } from './channels.ts';

/** A stream error, sent as `{"error": …}` with this HTTP status (SSE) or in a WebSocket message. */
export class StreamError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** What a client asks for: a stream name (`?stream=` or from the SSE path) and its parameters. */
export interface StreamRequest {
  stream: string;
  tag?: string;
  list?: string;
}

export interface ResolvedStream {
  /** the `stream` field of each message: `["hashtag", "cats"]`, `["list", "12"]`, `["user"]` */
  label: string[];
  /** a key telling two subscriptions to the same stream apart */
  key: string;
  /** the pub/sub channels behind it */
  channels: string[];
  /** public and hashtag streams: `update`s pass the viewer's blocks, mutes, languages and filters */
  filtered: boolean;
}

export interface StreamViewer {
  accountId: string;
  scopes: string[];
}

/** The stream an SSE path stands for (`/api/v1/streaming/public/local` → `public:local`). */
export function streamFromPath(path: string, onlyMedia: boolean): string | undefined {
  const names: Record<string, string> = {
    user: 'user',
    'user/notification': 'user:notification',
    public: 'public',
    'public/local': 'public:local',
    'public/remote': 'public:remote',
    hashtag: 'hashtag',
    'hashtag/local': 'hashtag:local',
    list: 'list',
    direct: 'direct',
  };
  const name = names[path.replace(/^\/+|\/+$/g, '')];
  if (name?.startsWith('public') && onlyMedia) return `${name}:media`;
  return name;
}

const PUBLIC_STREAMS: Record<string, [scope: 'all' | 'local' | 'remote', onlyMedia: boolean]> = {
  public: ['all', false],
  'public:media': ['all', true],
  'public:local': ['local', false],
  'public:local:media': ['local', true],
  'public:remote': ['remote', false],
  'public:remote:media': ['remote', true],
};

const canRead = (viewer: StreamViewer, scope: string) => grants(viewer.scopes, scope);

/** What tells two subscriptions apart, from the request alone (unsubscribing needs no lookup). */
export function streamKey(request: StreamRequest): string {
  if (request.stream.startsWith('hashtag')) return `${request.stream}:${(request.tag ?? '').replace(/^#/, '').toLowerCase()}`;
  if (request.stream === 'list') return `list:${rowId(request.list) ?? request.list ?? ''}`;
  return request.stream;
}

/** Checks the token's scopes and the stream's parameters, and names the channels (Mastodon's channelsForStream). */
export async function resolveStream(ctx: AppContext, viewer: StreamViewer, request: StreamRequest): Promise<ResolvedStream> {
  const { stream } = request;
  const key = streamKey(request);
  const publicStream = PUBLIC_STREAMS[stream];
  if (publicStream) {
    return { label: [stream], key, channels: [channels.public(...publicStream)], filtered: true };
  }
  // public and hashtag streams need a token but no scope, as in Mastodon; the member's own need a read scope
  if (!stream.startsWith('hashtag')) {
    const required = stream === 'user:notification' ? 'read:notifications' : 'read:statuses';
    if (!canRead(viewer, required)) throw new StreamError(401, 'Access token does not have the required scopes');
  }
  switch (stream) {
    case 'user': {
      const withNotifications = canRead(viewer, 'read:notifications');
      const names = [channels.home(viewer.accountId), ...(withNotifications ? [channels.notifications(viewer.accountId)] : [])];
      return { label: ['user'], key, channels: names, filtered: false };
    }
    case 'user:notification':
      return { label: ['user:notification'], key, channels: [channels.notifications(viewer.accountId)], filtered: false };
    case 'direct':
      return { label: ['direct'], key, channels: [channels.direct(viewer.accountId)], filtered: false };
    case 'hashtag':
    case 'hashtag:local': {
      const tag = request.tag?.replace(/^#/, '');
      if (!tag) throw new StreamError(400, 'Missing tag name parameter');
      return { label: [stream, tag], key, channels: [channels.hashtag(tag, stream === 'hashtag:local')], filtered: true };
    }
    case 'list': {
      const listId = rowId(request.list);
      if (!listId) throw new StreamError(400, 'Missing list name parameter');
      const [owned] = await ctx.db
        .select({ id: lists.id })
        .from(lists)
        .where(and(eq(lists.id, listId), eq(lists.accountId, viewer.accountId)));
      if (!owned) throw new StreamError(401, 'Not authorized to stream this list');
      return { label: ['list', listId], key, channels: [channels.list(listId)], filtered: false };
    }
    default:
      throw new StreamError(404, 'Unknown stream type');
  }
}
