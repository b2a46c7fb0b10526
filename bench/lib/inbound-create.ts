const AS = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS}#Public`;

/** A public Create of a Note by `actorId` (numbered `n`), with a link and a hashtag, and a mention of `mention` (an actor URI) when given. */
export function inboundCreate(actorId: string, n: number, mention?: { href: string; name: string }) {
  const id = `${actorId}/statuses/bench-${n}`;
  const published = new Date().toISOString();
  const audience = { to: [PUBLIC], cc: [`${actorId}/followers`, ...(mention ? [mention.href] : [])] };
  const mentioned = mention ? `<span class="h-card"><a href="${mention.href}" class="u-url mention">@${mention.name.split('@')[1]}</a></span> ` : '';
  return {
    '@context': [AS, { Hashtag: 'as:Hashtag' }],
    id: `${id}/activity`,
    type: 'Create',
    actor: actorId,
    published,
    ...audience,
    object: {
      id,
      type: 'Note',
      attributedTo: actorId,
      content: `<p>${mentioned}Inbound benchmark note ${n}, with a <a href="https://example.com/">link</a> and #bench</p>`,
      published,
      url: id,
      ...audience,
      tag: [{ type: 'Hashtag', name: '#bench', href: 'https://example.com/tags/bench' }, ...(mention ? [{ type: 'Mention', ...mention }] : [])],
    },
  };
}
