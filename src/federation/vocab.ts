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

type VocabClass = typeof Note | typeof Question | typeof Create | typeof Update;
type WithConversation<C extends VocabClass> = ConstructorParameters<C>[0] & { conversation?: string | null; media?: MediaExtra[] };

/** A vocabulary class that also takes `conversation` and the attachments' `media` extras. */
type MastodonClass<C extends VocabClass> = new (
  values: WithConversation<C>,
  options?: ConstructorParameters<C>[1],
) => InstanceType<C> & { readonly conversation: string | null; readonly media: MediaExtra[] };

function withMastodonExtras<C extends VocabClass>(Base: C): MastodonClass<C> {
  const Parent = Base as unknown as new (values: object, options?: object) => Note;
  class WithExtras extends Parent {
    #conversation: string | null;
    #media: MediaExtra[];

    constructor(values: { conversation?: string | null; media?: MediaExtra[] }, options?: object) {
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

    override clone(...args: Parameters<Note['clone']>): WithExtras {
      // Fedify's clone constructs through this.constructor, so the copy is a WithExtras too
      const copy = super.clone(...args) as WithExtras;
      copy.#conversation = this.#conversation;
      copy.#media = this.#media;
      return copy;
    }
  }
  return WithExtras as unknown as MastodonClass<C>;
}

export const MastodonNote = withMastodonExtras(Note);
export type MastodonNote = InstanceType<typeof MastodonNote>;
/** A poll. */
export const MastodonQuestion = withMastodonExtras(Question);
export type MastodonQuestion = InstanceType<typeof MastodonQuestion>;
/** A Create whose embedded Note or Question keeps its `conversation` (pass the object's). */
export const MastodonCreate = withMastodonExtras(Create);
export type MastodonCreate = InstanceType<typeof MastodonCreate>;
/** An Update whose embedded Note or Question keeps its `conversation` (pass the object's). */
export const MastodonUpdate = withMastodonExtras(Update);
export type MastodonUpdate = InstanceType<typeof MastodonUpdate>;

export class MastodonAnnounce extends Announce {
  override async toJsonLd(options?: ToJsonLdOptions): Promise<unknown> {
    return mastodonJson(await super.toJsonLd(options), options, null);
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
