import { Announce, Create, Delete, Note, PUBLIC_COLLECTION, Question, Undo, Update } from '@fedify/vocab';

/** What Mastodon adds to an attachment's `Document` and Fedify's vocabulary lacks, in attachment order. */
export interface MediaExtra {
  blurhash: string | null;
  /** `focalPoint`, [x, y] */
  focalPoint: [number, number] | null;
}

/**
 * Fedify's vocabulary, adjusted to the JSON Mastodon sends (what is served, signed and delivered):
 * - `conversation` (ostatus), which Fedify's vocabulary lacks and Mastodon reads as a plain key
 *   to thread a received post, with its context term;
 * - the public collection as its full URI in `to`/`cc`, where Fedify's compaction writes `as:Public`
 *   (the same in JSON-LD, but Mastodon and others compare the string).
 * - attachments' `blurhash` and `focalPoint` (Mastodon's `toot:` terms), with their context terms;
 * The subclasses keep their extra state through clone(), which Fedify calls before sending.
 */
const OSTATUS_CONTEXT = { ostatus: 'http://ostatus.org#', conversation: 'ostatus:conversation' };
const PUBLIC = PUBLIC_COLLECTION.href;
const TOOT_MEDIA_CONTEXT = { toot: 'http://joinmastodon.org/ns#', blurhash: 'toot:blurhash', focalPoint: { '@container': '@list', '@id': 'toot:focalPoint' } };

type ToJsonLdOptions = Parameters<Note['toJsonLd']>[0];
type Json = Record<string, unknown>;

function fullPublicUri(node: Json) {
  for (const key of ['to', 'cc']) {
    const value = node[key];
    if (value === 'as:Public') node[key] = PUBLIC;
    else if (Array.isArray(value)) node[key] = value.map((item) => (item === 'as:Public' ? PUBLIC : item));
  }
}

function addContext(document: Json, extra: Json) {
  const context = document['@context'];
  document['@context'] = Array.isArray(context) ? [...context, extra] : context === undefined ? extra : [context, extra];
}

function addMediaExtras(node: Json, media: MediaExtra[]): boolean {
  const attachments = Array.isArray(node.attachment) ? node.attachment : node.attachment ? [node.attachment] : [];
  let added = false;
  attachments.forEach((attachment, index) => {
    const extra = media[index];
    if (!extra || typeof attachment !== 'object' || attachment === null) return;
    if (extra.blurhash) (attachment as Json).blurhash = extra.blurhash;
    if (extra.focalPoint) (attachment as Json).focalPoint = extra.focalPoint;
    added = true;
  });
  return added;
}

function mastodonJson(json: unknown, options: ToJsonLdOptions, conversation: string | null, media: MediaExtra[] = []): unknown {
  if (options?.format === 'expand' || typeof json !== 'object' || json === null) return json;
  const document = json as Json;
  const embedded = typeof document.object === 'object' && document.object !== null ? (document.object as Json) : undefined;
  fullPublicUri(document);
  if (embedded) fullPublicUri(embedded);
  if (conversation) {
    (embedded ?? document).conversation = conversation;
    addContext(document, OSTATUS_CONTEXT);
  }
  if (media.length && addMediaExtras(embedded ?? document, media)) addContext(document, TOOT_MEDIA_CONTEXT);
  return json;
}

type WithConversation<T extends abstract new (...args: never[]) => unknown> = ConstructorParameters<T>[0] & { conversation?: string | null; media?: MediaExtra[] };

export class MastodonNote extends Note {
  #conversation: string | null;
  #media: MediaExtra[];

  constructor(values: WithConversation<typeof Note>, options?: ConstructorParameters<typeof Note>[1]) {
    const { conversation, media, ...rest } = values;
    super(rest, options);
    this.#conversation = conversation ?? null;
    this.#media = media ?? [];
  }

  get conversation(): string | null {
    return this.#conversation;
  }

  get media(): MediaExtra[] {
    return this.#media;
  }

  override async toJsonLd(options?: ToJsonLdOptions): Promise<unknown> {
    return mastodonJson(await super.toJsonLd(options), options, this.#conversation, this.#media);
  }

  override clone(...args: Parameters<Note['clone']>): MastodonNote {
    const copy = super.clone(...args) as MastodonNote;
    copy.#conversation = this.#conversation;
    copy.#media = this.#media;
    return copy;
  }
}

/** A poll. */
export class MastodonQuestion extends Question {
  #conversation: string | null;
  #media: MediaExtra[];

  constructor(values: WithConversation<typeof Question>, options?: ConstructorParameters<typeof Question>[1]) {
    const { conversation, media, ...rest } = values;
    super(rest, options);
    this.#conversation = conversation ?? null;
    this.#media = media ?? [];
  }

  get conversation(): string | null {
    return this.#conversation;
  }

  get media(): MediaExtra[] {
    return this.#media;
  }

  override async toJsonLd(options?: ToJsonLdOptions): Promise<unknown> {
    return mastodonJson(await super.toJsonLd(options), options, this.#conversation, this.#media);
  }

  override clone(...args: Parameters<Question['clone']>): MastodonQuestion {
    const copy = super.clone(...args) as MastodonQuestion;
    copy.#conversation = this.#conversation;
    copy.#media = this.#media;
    return copy;
  }
}

/** A Create whose embedded Note or Question keeps its `conversation` (pass the object's). */
export class MastodonCreate extends Create {
  #conversation: string | null;
  #media: MediaExtra[];

  constructor(values: WithConversation<typeof Create>, options?: ConstructorParameters<typeof Create>[1]) {
    const { conversation, media, ...rest } = values;
    super(rest, options);
    this.#conversation = conversation ?? null;
    this.#media = media ?? [];
  }

  override async toJsonLd(options?: ToJsonLdOptions): Promise<unknown> {
    return mastodonJson(await super.toJsonLd(options), options, this.#conversation, this.#media);
  }

  override clone(...args: Parameters<Create['clone']>): MastodonCreate {
    const copy = super.clone(...args) as MastodonCreate;
    copy.#conversation = this.#conversation;
    copy.#media = this.#media;
    return copy;
  }
}

export class MastodonAnnounce extends Announce {
  override async toJsonLd(options?: ToJsonLdOptions): Promise<unknown> {
    return mastodonJson(await super.toJsonLd(options), options, null);
  }
}

/** An Update whose embedded Note or Question keeps its `conversation` (pass the object's). */
export class MastodonUpdate extends Update {
  #conversation: string | null;
  #media: MediaExtra[];

  constructor(values: WithConversation<typeof Update>, options?: ConstructorParameters<typeof Update>[1]) {
    const { conversation, media, ...rest } = values;
    super(rest, options);
    this.#conversation = conversation ?? null;
    this.#media = media ?? [];
  }

  override async toJsonLd(options?: ToJsonLdOptions): Promise<unknown> {
    return mastodonJson(await super.toJsonLd(options), options, this.#conversation, this.#media);
  }

  override clone(...args: Parameters<Update['clone']>): MastodonUpdate {
    const copy = super.clone(...args) as MastodonUpdate;
    copy.#conversation = this.#conversation;
    copy.#media = this.#media;
    return copy;
  }
}

export class MastodonDelete extends Delete {
  override async toJsonLd(options?: ToJsonLdOptions): Promise<unknown> {
    return mastodonJson(await super.toJsonLd(options), options, null);
  }
}

/** An Undo, whose embedded Announce keeps the public collection's full URI too. */
export class MastodonUndo extends Undo {
  override async toJsonLd(options?: ToJsonLdOptions): Promise<unknown> {
    return mastodonJson(await super.toJsonLd(options), options, null);
  }
}
