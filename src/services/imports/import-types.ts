/**
 * The kinds of CSV import Mastodon's `/settings/imports` takes (BulkImport's `type`), with the
 * headers of each (Form::Import::EXPECTED_HEADERS_BY_TYPE) and the attribute each header is kept
 * under in a row's data (ATTRIBUTE_BY_HEADER).
 */
export const IMPORT_TYPES = ['following', 'blocking', 'muting', 'domain_blocking', 'bookmarks', 'lists'] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];

export const isImportType = (value: unknown): value is ImportType => typeof value === 'string' && (IMPORT_TYPES as readonly string[]).includes(value);

/** The states of an import: uploaded and waiting to be confirmed, queued, being worked through, done. */
export type ImportState = 'unconfirmed' | 'scheduled' | 'in_progress' | 'finished';

export const EXPECTED_HEADERS: Record<ImportType, string[]> = {
  following: ['Account address', 'Show boosts', 'Notify on new posts', 'Languages'],
  blocking: ['Account address'],
  muting: ['Account address', 'Hide notifications'],
  domain_blocking: ['#domain'],
  bookmarks: ['#uri'],
  lists: ['List name', 'Account address'],
};

/** The headers a file without a header line is read with (Form::Import#default_csv_headers). */
export const DEFAULT_HEADERS: Record<ImportType, string[]> = {
  following: ['Account address'],
  blocking: ['Account address'],
  muting: ['Account address'],
  domain_blocking: ['#domain'],
  bookmarks: ['#uri'],
  lists: ['List name', 'Account address'],
};

/** First headers that say the file's first line is a header line. */
export const KNOWN_FIRST_HEADERS = [...new Set(Object.values(EXPECTED_HEADERS).map((headers) => headers[0]!))];

export const ATTRIBUTE_BY_HEADER: Record<string, string> = {
  'Account address': 'acct',
  'Show boosts': 'show_reblogs',
  'Notify on new posts': 'notify',
  Languages: 'languages',
  'Hide notifications': 'hide_notifications',
  '#domain': 'domain',
  '#uri': 'uri',
  'List name': 'list_name',
};

/** What the imports page calls each type (Mastodon's `imports.types`). */
export const TYPE_LABELS: Record<ImportType, string> = {
  following: 'Following list',
  blocking: 'Blocking list',
  muting: 'Muting list',
  domain_blocking: 'Domain blocking list',
  bookmarks: 'Bookmarks',
  lists: 'Lists',
};

/** The name of the CSV of an import's failed rows (Settings::ImportsController::TYPE_TO_FILENAME_MAP). */
export const FAILURES_FILENAME: Record<ImportType, string> = {
  following: 'following_accounts_failures.csv',
  blocking: 'blocked_accounts_failures.csv',
  muting: 'muted_accounts_failures.csv',
  domain_blocking: 'blocked_domains_failures.csv',
  bookmarks: 'bookmarks_failures.csv',
  lists: 'lists_failures.csv',
};

/** One row's data, as Form::Import keeps it (the attributes of the type's headers). */
export interface ImportRowData {
  acct?: string;
  show_reblogs?: boolean | null;
  notify?: boolean | null;
  languages?: string[] | null;
  hide_notifications?: boolean | null;
  domain?: string;
  uri?: string;
  list_name?: string;
}
