import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { statuses } from '../../db/schema.ts';
import type { StatusRow } from '../../serializers/status.ts';
import { isLocalDomain } from '../accounts/account-lookup.ts';
import { notHiddenFrom, visibleTo } from '../statuses/visibility.ts';
import type { FilterClause, ParsedQuery, TextClause } from './parse-query.ts';

export interface StatusSearchOptions {
  limit: number;
  offset: number;
  /** statuses by this author only (Mastodon turns it into `from:`) */
  accountId?: string;
  maxId?: string;
  minId?: string;
  /** the searcher's language (their interface locale): words are also looked for stemmed in it */
  language?: string | null;
}

const s = statuses;

/** How many matching documents still make a short list of candidates (see statusSearchStatement). */
const PROBE = 5000;

/**
 * The words of one clause as a tsquery: as written ('simple', which every document also holds) or
 * stemmed in `language` (a `language:` filter or the searcher's), so "running" finds "runs" in
 * English statuses and the word itself in any. A phrase is matched as written only (Mastodon's
 * `match_phrase` on the unstemmed field): stemming would drop its stop words and so its order.
 */
function clauseQuery(clause: TextClause, language: string | null): SQL {
  if (clause.kind === 'phrase') return sql`phraseto_tsquery('simple'::regconfig, ${clause.text})`;
  const simple = sql`plainto_tsquery('simple'::regconfig, ${clause.text})`;
  if (!language) return simple;
  const stemmed = sql`plainto_tsquery(search_config(${language}), ${clause.text})`;
  // folded to a constant when planned: one of them when stemming changed nothing, so that the
  // planner's estimate of how many documents match is not doubled by the same word twice
  return sql`(CASE WHEN ${simple} = ${stemmed} THEN ${simple} ELSE ${simple} || ${stemmed} END)`;
}

/** The words to find, one tsquery (null when the query has none: a search by operators alone). */
function documentQuery(text: TextClause[], language: string | null): SQL | null {
  const words = text.filter((clause) => clause.kind !== 'hashtag');
  if (words.length === 0) return null;
  const parts = words.map((clause) => (clause.negated ? sql`!!${clauseQuery(clause, language)}` : clauseQuery(clause, language)));
  return sql.join(parts, sql` && `);
}

/** A status carrying the hashtag (Mastodon searches the `tags` field for `#word`). */
const hashtagCondition = (name: string) =>
  sql`EXISTS (SELECT 1 FROM statuses_tags st WHERE st.status_id = ${s.id} AND st.tag_id IN (SELECT t.id FROM tags t WHERE lower(t.name) = ${name.toLowerCase()}))`;

/** `has:` and `is:` (Mastodon's Status#searchable_properties); an unknown property matches nothing. */
function propertyCondition(value: string): SQL {
  const media = (types: string) => sql`EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = ${s.id} AND ma.type IN (${sql.raw(types)}))`;
  switch (value) {
    case 'media':
      return sql`EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = ${s.id})`;
    case 'image':
      return media(`'image'`);
    case 'video':
      return media(`'video'`);
    case 'audio':
      return media(`'audio'`);
    case 'poll':
      return sql`${s.pollId} IS NOT NULL`;
    case 'link':
      return sql`EXISTS (SELECT 1 FROM preview_cards_statuses pcs WHERE pcs.status_id = ${s.id})`;
    case 'embed':
      return sql`EXISTS (SELECT 1 FROM preview_cards_statuses pcs JOIN preview_cards pc ON pc.id = pcs.preview_card_id WHERE pcs.status_id = ${s.id} AND pc.type = 'video')`;
    case 'reply':
      return sql`${s.inReplyToId} IS NOT NULL`;
    case 'sensitive':
      return sql`${s.sensitive}`;
    default:
      return sql`FALSE`;
  }
}

/** `from:me`, `from:user`, `from:user@domain`: the author's id (NULL, matching nothing, when unknown). */
function authorOf(ctx: AppContext, viewerId: string, value: string): SQL {
  if (value === 'me') return sql`${viewerId}::bigint`;
  const [username, domain] = value.split('@');
  const local = !domain || isLocalDomain(ctx, domain);
  return sql`(SELECT fa.id FROM accounts fa WHERE lower(fa.username) = ${username!.toLowerCase()}
    AND ${local ? sql`fa.domain IS NULL` : sql`lower(fa.domain) = ${domain!.toLowerCase()}`} LIMIT 1)`;
}

function filterCondition(ctx: AppContext, viewerId: string, filter: FilterClause): SQL {
  let condition: SQL;
  switch (filter.prefix) {
    case 'has':
    case 'is':
      condition = propertyCondition(filter.value);
      break;
    case 'language':
      condition = sql`lower(${s.language}) = ${filter.value}`;
      break;
    case 'from':
      condition = sql`${s.accountId} = ${authorOf(ctx, viewerId, filter.value)}`;
      break;
    case 'before':
      condition = sql`${s.createdAt} < ${filter.value.start.toISOString()}`;
      break;
    case 'after':
      condition = sql`${s.createdAt} >= ${filter.value.end.toISOString()}`;
      break;
    case 'during':
      condition = sql`(${s.createdAt} >= ${filter.value.start.toISOString()} AND ${s.createdAt} < ${filter.value.end.toISOString()})`;
      break;
  }
  // a negated filter keeps what it does not match, also where it cannot tell (NULL)
  return filter.negated ? sql`(${condition}) IS NOT TRUE` : condition;
}

/**
 * What the searcher may find at all, as Mastodon's two indexes: public statuses of authors who
 * opened them to search (`indexable`; `in:public`), and their "library" (`in:library`): their own,
 * and those they favourited, bookmarked, boosted, voted in, replied to or were mentioned in. The
 * library is one list of ids drawn from the searcher's own rows (a hashed set the planner probes
 * per status, or the rows a library search starts from), not a probe of six tables per status.
 */
function searchableBy(viewerId: string, scope: ParsedQuery['scope']): SQL {
  const open = sql`(${s.visibility} = 'public' AND EXISTS (SELECT 1 FROM accounts ia WHERE ia.id = ${s.accountId} AND ia.indexable))`;
  const library = sql`${s.id} IN (
    SELECT own.id FROM statuses own WHERE own.account_id = ${viewerId} AND own.reblog_of_id IS NULL
    UNION ALL SELECT sf.status_id FROM favourites sf WHERE sf.account_id = ${viewerId}
    UNION ALL SELECT sb.status_id FROM bookmarks sb WHERE sb.account_id = ${viewerId}
    UNION ALL SELECT sm.status_id FROM mentions sm WHERE sm.account_id = ${viewerId}
    UNION ALL SELECT sr.reblog_of_id FROM statuses sr WHERE sr.account_id = ${viewerId} AND sr.reblog_of_id IS NOT NULL AND sr.deleted_at IS NULL
    UNION ALL SELECT sp.in_reply_to_id FROM statuses sp WHERE sp.account_id = ${viewerId} AND sp.in_reply_to_id IS NOT NULL AND sp.deleted_at IS NULL
    UNION ALL SELECT vp.status_id FROM poll_votes pv JOIN polls vp ON vp.id = pv.poll_id WHERE pv.account_id = ${viewerId} AND vp.status_id IS NOT NULL)`;
  if (scope === 'public') return open;
  if (scope === 'library') return library;
  return sql`(${open} OR ${library})`;
}

/**
 * Statuses matching a parsed query, newest first (Mastodon's StatusesSearchService), in one
 * statement: the words through the GIN index on status_search_documents, the operators as
 * conditions, and of what the searcher may find only what they may see and have not hidden
 * (blocks both ways, mutes, domain blocks, suspended authors).
 */
export async function searchStatuses(ctx: AppContext, viewerId: string, query: ParsedQuery, options: StatusSearchOptions): Promise<StatusRow[]> {
  if (options.limit <= 0) return [];
  // Without JIT: the planner's cost of the branch not taken (walking statuses) passes PostgreSQL's
  // jit_above_cost, and compiling the statement took seconds where running it takes milliseconds.
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL jit = off`);
    return statusSearchStatement(ctx, viewerId, query, options, tx);
  });
}

/** The one statement of a statuses search (unexecuted: bench/search-explain.ts explains it). */
export function statusSearchStatement(ctx: AppContext, viewerId: string, query: ParsedQuery, options: StatusSearchOptions, db: Pick<AppContext['db'], 'select'> = ctx.db) {
  const languageFilter = query.filters.find((filter) => filter.prefix === 'language' && !filter.negated);
  const stemming = (languageFilter?.value as string | undefined) ?? options.language ?? null;
  const conditions: SQL[] = [sql`${s.reblogOfId} IS NULL`];
  for (const clause of query.text) {
    if (clause.kind === 'hashtag') conditions.push(clause.negated ? sql`NOT ${hashtagCondition(clause.text)}` : hashtagCondition(clause.text));
  }
  for (const filter of query.filters) conditions.push(filterCondition(ctx, viewerId, filter));
  if (options.accountId) conditions.push(sql`${s.accountId} = ${options.accountId}`);
  if (options.maxId) conditions.push(sql`${s.id} < ${options.maxId}`);
  if (options.minId) conditions.push(sql`${s.id} > ${options.minId}`);
  conditions.push(searchableBy(viewerId, query.scope), visibleTo(viewerId), notHiddenFrom(viewerId));
  const filtered = sql.join(conditions, sql` AND `);
  const words = documentQuery(query.text, stemming);
  const page = (where: SQL) => db.select().from(statuses).where(where).orderBy(sql`${s.id} DESC`).offset(options.offset).limit(options.limit);
  if (!words) return page(filtered);
  // How to find the newest matches depends on how many documents match, which the planner can only
  // guess: a probe of the GIN index (up to PROBE ids) decides, when the statement runs, which of two
  // branches runs. Few matches: those ids are the candidates. Many: statuses are walked newest
  // first, each document checked, which finds a page after a few hundred. (Left to the planner, a
  // word misjudged as common, or absent, walked all statuses.)
  const wanted = options.offset + options.limit;
  const ids = sql`WITH probe AS MATERIALIZED (SELECT d.status_id FROM status_search_documents d WHERE d.document @@ (${words}) LIMIT ${PROBE + 1})
    (SELECT ${s.id} FROM ${statuses} WHERE (SELECT count(*) FROM probe) <= ${PROBE} AND ${s.id} IN (SELECT status_id FROM probe) AND ${filtered}
      ORDER BY ${s.id} DESC LIMIT ${wanted})
    UNION ALL
    (SELECT ${s.id} FROM ${statuses} WHERE (SELECT count(*) FROM probe) > ${PROBE}
      AND EXISTS (SELECT 1 FROM status_search_documents d WHERE d.status_id = ${s.id} AND d.document @@ (${words})) AND ${filtered}
      ORDER BY ${s.id} DESC LIMIT ${wanted})`;
  return page(sql`${s.id} IN (${ids})`);
}
