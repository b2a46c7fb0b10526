import { sql } from 'drizzle-orm';
import { baseUrl } from '../../../config/index.ts';
import type { AppContext } from '../../../context.ts';
import { accounts } from '../../../db/schema.ts';
import { escapeHtml } from '../../../lib/html.ts';
import { INSTANCE_LIMITS } from '../../../lib/instance-limits.ts';
import type { AccountRow } from '../../oauth/authenticate-token.ts';
import { linkHtml, URL_PATTERN } from './plain-to-html.ts';

// Ruby's [[:word:]] and [[:alpha:]], as Mastodon's regexes use them.
const WORD = '\\p{L}\\p{M}\\p{N}\\p{Pc}';
const ALPHA = '\\p{L}\\p{M}';
const SEPARATORS = '_\\u00B7\\u30FB\\u200c';

/** Tag::HASHTAG_NAME_PAT: letters, digits and `_`, with a few separators inside; never all digits. */
const HASHTAG_NAME_PAT = `(?:[${WORD}_][${WORD}${SEPARATORS}]*[${ALPHA}${SEPARATORS}][${WORD}${SEPARATORS}]*[${WORD}_])|(?:[${WORD}_]*[${ALPHA}][${WORD}_]*)`;
/** Tag::HASHTAG_RE (4.3): `#name` not preceded by `=`, `/`, `)` or a letter or digit. */
const HASHTAG_RE = new RegExp(`(?<![=/)\\p{L}\\p{N}])[#＃](${HASHTAG_NAME_PAT})`, 'giu');
export const HASHTAG_NAME_RE = new RegExp(`^(?:${HASHTAG_NAME_PAT})$`, 'iu');

/** Account::MENTION_RE: `@user` or `@user@domain`, not preceded by `=`, `/` or a word character. */
const MENTION_RE = new RegExp(`(?<![=/${WORD}])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@([${WORD}]+(?:[.-]+[${WORD}]+)*))?`, 'giu');

export type Entity =
  | { kind: 'url'; start: number; end: number; url: string }
  | { kind: 'mention'; start: number; end: number; username: string; domain: string | null }
  | { kind: 'hashtag'; start: number; end: number; name: string };

/** The links, mentions and hashtags of one line of text, in order, without overlaps (a URL wins over what it contains). */
export function extractEntities(line: string): Entity[] {
  const found: Entity[] = [];
  for (const m of line.matchAll(URL_PATTERN)) found.push({ kind: 'url', start: m.index, end: m.index + m[0].length, url: m[0] });
  for (const m of line.matchAll(MENTION_RE)) {
    found.push({ kind: 'mention', start: m.index, end: m.index + m[0].length, username: m[1]!, domain: m[2] ?? null });
  }
  for (const m of line.matchAll(HASHTAG_RE)) found.push({ kind: 'hashtag', start: m.index, end: m.index + m[0].length, name: m[1]! });
  const rank = { url: 0, mention: 1, hashtag: 2 } as const;
  found.sort((a, b) => a.start - b.start || rank[a.kind] - rank[b.kind]);
  const kept: Entity[] = [];
  for (const entity of found) {
    const last = kept[kept.length - 1];
    if (last && entity.start < last.end) continue;
    kept.push(entity);
  }
  return kept;
}

const lines = (text: string) => text.replace(/\r\n?/g, '\n').split('\n');

/** The hashtag names of a text, each once (first spelling wins), in order of appearance. */
export function extractHashtags(text: string): string[] {
  const names = new Map<string, string>();
  for (const line of lines(text)) {
    for (const entity of extractEntities(line)) {
      if (entity.kind === 'hashtag' && !names.has(entity.name.toLowerCase())) names.set(entity.name.toLowerCase(), entity.name);
    }
  }
  return [...names.values()];
}

/** The `@user[@domain]` mentions of a text, each once, in order of appearance. */
export function extractMentions(text: string): { username: string; domain: string | null }[] {
  const seen = new Map<string, { username: string; domain: string | null }>();
  for (const line of lines(text)) {
    for (const entity of extractEntities(line)) {
      if (entity.kind !== 'mention') continue;
      const key = `${entity.username.toLowerCase()}@${entity.domain?.toLowerCase() ?? ''}`;
      if (!seen.has(key)) seen.set(key, { username: entity.username, domain: entity.domain });
    }
  }
  return [...seen.values()];
}

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The length Mastodon counts against the character limit (StatusLengthValidator): grapheme
 * clusters, with every link counting as 23 characters and `@user@domain` as just `@user`.
 */
export function countableLength(text: string): number {
  let total = 0;
  for (const [i, line] of lines(text).entries()) {
    if (i > 0) total += 1;
    let last = 0;
    let counted = '';
    for (const entity of extractEntities(line)) {
      if (entity.kind === 'hashtag') continue;
      counted += line.slice(last, entity.start);
      counted += entity.kind === 'url' ? 'x'.repeat(INSTANCE_LIMITS.statuses.characters_reserved_per_url) : `@${entity.username}`;
      last = entity.end;
    }
    counted += line.slice(last);
    total += [...segmenter.segment(counted)].length;
  }
  return total;
}

/** What a mention resolves to, for the HTML. */
export interface MentionTarget {
  username: string;
  url: string;
}

/** Looks up `@user[@domain]`; undefined leaves the mention as plain text. */
export type MentionResolver = (username: string, domain: string | null) => MentionTarget | undefined;

/**
 * Status text as Mastodon's HTML (TextFormatter): paragraphs at blank lines, `<br />` at single
 * line breaks, links shortened, mentions of known accounts as h-cards, hashtags linking to the tag page.
 */
export function renderStatusHtml(text: string, base: string, resolve: MentionResolver): string {
  if (!text.trim()) return '';
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '');
  const renderLine = (line: string) => {
    let out = '';
    let last = 0;
    for (const entity of extractEntities(line)) {
      out += escapeHtml(line.slice(last, entity.start));
      const raw = line.slice(entity.start, entity.end);
      if (entity.kind === 'url') out += linkHtml(entity.url);
      else if (entity.kind === 'hashtag') {
        out += `<a href="${escapeHtml(`${base}/tags/${encodeURIComponent(entity.name)}`)}" class="mention hashtag" rel="tag">#<span>${escapeHtml(entity.name)}</span></a>`;
      } else {
        const target = resolve(entity.username, entity.domain);
        out += target ? `<span class="h-card" translate="no"><a href="${escapeHtml(target.url)}" class="u-url mention">@<span>${escapeHtml(target.username)}</span></a></span>` : escapeHtml(raw);
      }
      last = entity.end;
    }
    return out + escapeHtml(line.slice(last));
  };
  return paragraphs.map((p) => `<p>${p.split('\n').map(renderLine).join('<br />')}</p>`).join('');
}

export interface FormattedStatus {
  html: string;
  /** the accounts mentioned (resolved, available), each once, in order of appearance */
  mentionedAccounts: AccountRow[];
  mentionedAccountIds: string[];
  /** hashtag names as first written, each once */
  tagNames: string[];
}

const mentionKey = (username: string, domain: string | null) => `${username.toLowerCase()}@${domain?.toLowerCase() ?? ''}`;

/**
 * Fetches the remote account `user@domain` this instance does not know yet (WebFinger, then its
 * actor) and stores it; undefined when it cannot. It gives up when `signal` aborts. The web tier
 * and the jobs pass the federation layer's resolver (services do not fetch from other servers).
 */
export type RemoteAccountResolver = (acct: string, signal: AbortSignal) => Promise<AccountRow | undefined>;

/** How long a post or an edit waits for all its unknown mentions together. */
const MENTION_RESOLUTION_TIMEOUT_MS = 5_000;
/**
 * How many unknown accounts one post or edit may look up: a mention counts as its username only
 * towards the 500 characters, so a post could otherwise make a hundred and more servers be asked.
 */
export const MAX_RESOLVED_MENTIONS = 10;

type Mention = { username: string; domain: string | null };

/**
 * The remote accounts of mentions not known here (ProcessMentionsService's ResolveAccountService
 * step), the first MAX_RESOLVED_MENTIONS of them in parallel; those not resolved within the bound,
 * and any beyond it, are left out (their text stays plain).
 */
async function resolveUnknown(ctx: AppContext, unknown: Mention[], resolve: RemoteAccountResolver): Promise<Map<string, AccountRow>> {
  const resolved = new Map<string, AccountRow>();
  if (unknown.length === 0) return resolved;
  const signal = AbortSignal.timeout(MENTION_RESOLUTION_TIMEOUT_MS);
  const givenUp = new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
  let settled = false;
  const all = Promise.all(
    unknown.slice(0, MAX_RESOLVED_MENTIONS).map(async (mention) => {
      const account = await resolve(`${mention.username}@${mention.domain}`, signal).catch((error: unknown) => {
        ctx.log.warn({ err: error }, `could not resolve the mention @${mention.username}@${mention.domain}`);
        return undefined;
      });
      if (account && !settled) resolved.set(mentionKey(mention.username, mention.domain), account);
    }),
  );
  await Promise.race([all, givenUp]);
  settled = true;
  return resolved;
}

/** Accounts that are mentioned as text only: suspended ones and those that moved. */
const mentionable = (account: AccountRow) => !account.suspendedAt && !account.movedToAccountId;

/**
 * Formats a status' text: resolves its mentions against the accounts this instance knows (local
 * ones, and remote ones already in the accounts table; suspended or moved accounts are left as
 * text) and, with `resolveAccount`, fetches the remote ones it does not know, then renders the HTML.
 */
export async function formatStatus(ctx: AppContext, text: string, options: { resolveAccount?: RemoteAccountResolver } = {}): Promise<FormattedStatus> {
  const base = baseUrl(ctx.config);
  const localDomains = new Set([ctx.config.localDomain.toLowerCase(), ctx.config.webDomain.toLowerCase()]);
  const normalDomain = (domain: string | null) => (domain && localDomains.has(domain.toLowerCase()) ? null : domain);
  const wanted = extractMentions(text).map((m) => ({ username: m.username, domain: normalDomain(m.domain) }));
  const found = new Map<string, AccountRow>();
  if (wanted.length > 0) {
    const pairs = sql.join(
      wanted.map((m) => sql`(${m.username.toLowerCase()}, ${m.domain?.toLowerCase() ?? ''})`),
      sql`, `,
    );
    const rows = await ctx.db.select().from(accounts).where(sql`(lower(${accounts.username}), coalesce(lower(${accounts.domain}), '')) IN (${pairs})`);
    for (const row of rows) found.set(mentionKey(row.username, row.domain), row);
  }
  if (options.resolveAccount) {
    const unknown = wanted.filter((m) => m.domain !== null && !found.has(mentionKey(m.username, m.domain)));
    for (const [key, account] of await resolveUnknown(ctx, unknown, options.resolveAccount)) found.set(key, account);
  }
  const mentioned: AccountRow[] = [];
  const resolve: MentionResolver = (username, domain) => {
    const account = found.get(mentionKey(username, normalDomain(domain)));
    if (!account || !mentionable(account)) return undefined;
    if (!mentioned.some((other) => other.id === account.id)) mentioned.push(account);
    return { username: account.username, url: account.url ?? account.uri };
  };
  const html = renderStatusHtml(text, base, resolve);
  return { html, mentionedAccounts: mentioned, mentionedAccountIds: mentioned.map((a) => a.id), tagNames: extractHashtags(text) };
}
