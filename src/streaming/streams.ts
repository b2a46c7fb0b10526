import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { lists } from '../db/schema.ts';
import { rowId } from '../lib/ids.ts';
import { grants } from '../services/scopes.ts';
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

/** Checks the token's scopes and the stream's parameters, and names the channels (Mastodon's channelsForStream). */
export async function resolveStream(ctx: AppContext, viewer: StreamViewer, request: StreamRequest): Promise<ResolvedStream> {
  const { stream } = request;
  const required = stream === 'user:notification' ? 'read:notifications' : 'read:statuses';
  if (!canRead(viewer, required)) throw new StreamError(401, 'Access token does not have the required scopes');

  const publicStream = PUBLIC_STREAMS[stream];
  if (publicStream) {
    return { label: [stream], key: stream, channels: [channels.public(...publicStream)], filtered: true };
  }
  switch (stream) {
    case 'user': {
      const withNotifications = canRead(viewer, 'read:notifications');
      const names = [channels.home(viewer.accountId), ...(withNotifications ? [channels.notifications(viewer.accountId)] : [])];
      return { label: ['user'], key: 'user', channels: names, filtered: false };
    }
    case 'user:notification':
      return { label: ['user:notification'], key: stream, channels: [channels.notifications(viewer.accountId)], filtered: false };
    case 'direct':
      return { label: ['direct'], key: stream, channels: [channels.direct(viewer.accountId)], filtered: false };
    case 'hashtag':
    case 'hashtag:local': {
      const tag = request.tag?.replace(/^#/, '');
      if (!tag) throw new StreamError(400, 'No tag for stream provided');
      return { label: [stream, tag], key: `${stream}:${tag.toLowerCase()}`, channels: [channels.hashtag(tag, stream === 'hashtag:local')], filtered: true };
    }
    case 'list': {
      const listId = rowId(request.list);
      if (!listId) throw new StreamError(400, 'No list for stream provided');
      const [owned] = await ctx.db
        .select({ id: lists.id })
        .from(lists)
        .where(and(eq(lists.id, listId), eq(lists.accountId, viewer.accountId)));
      if (!owned) throw new StreamError(404, 'List not found');
      return { label: ['list', listId], key: `list:${listId}`, channels: [channels.list(listId)], filtered: false };
    }
    default:
      throw new StreamError(404, 'Unknown stream type');
  }
}
