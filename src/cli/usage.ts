import { wantsHelp } from './args.ts';

/*
 * Every command's usage, in a light module: `subspace … --help` answers from here without loading
 * the command modules, the configuration or the database.
 */

const line = (text: string) => `  subspace ${text}`;

/** The administration commands' sub-commands, each with its usage line(s). */
export const ADMIN_USAGE = {
  accounts: {
    create: line('accounts create USERNAME --email EMAIL [--role Owner|Admin|Moderator] [--confirmed] [--approve]'),
    modify: `${line('accounts modify USERNAME [--role ROLE | --remove-role] [--email EMAIL] [--confirm] [--approve]')}\n                                    [--disable | --enable] [--reset-password] [--disable-2fa]`,
    delete: line('accounts delete USERNAME'),
    approve: line('accounts approve USERNAME | --all'),
    rotate: line('accounts rotate USERNAME | --all'),
    cull: line('accounts cull [DOMAIN…] [--concurrency N] [--dry-run]'),
    refresh: line('accounts refresh USER@DOMAIN… | --domain DOMAIN | --all [--concurrency N] [--dry-run]'),
    prune: line('accounts prune [--dry-run]'),
    backup: line('accounts backup USERNAME'),
  },
  announcements: {
    create: line('announcements create TEXT [--starts-at ISO --ends-at ISO] [--all-day] [--scheduled-at ISO]'),
    list: line('announcements list'),
    publish: line('announcements publish ID'),
    unpublish: line('announcements unpublish ID'),
    delete: line('announcements delete ID'),
  },
  apps: {
    create: line('apps create --account USERNAME --name NAME [--scopes "read write"] [--website URL]'),
  },
  backup: {
    keygen: line('backup keygen'),
    create: line('backup create [--to DIR|s3://BUCKET/PREFIX] [--recipient AGE_RECIPIENT]… [--keep 14d] [--media-to s3://BUCKET/PREFIX]'),
    verify: line('backup verify ARCHIVE --identity FILE'),
  },
  webhooks: {
    create: line('webhooks create URL --events EVENT[,EVENT…] [--secret SECRET] [--disabled]'),
    list: line('webhooks list'),
    modify: line('webhooks modify ID [--url URL] [--events EVENT[,EVENT…]] [--enable | --disable]'),
    'rotate-secret': line('webhooks rotate-secret ID'),
    delete: line('webhooks delete ID'),
  },
  domains: {
    block: line('domains block DOMAIN [--severity noop|silence|suspend] [--reject-media] [--reject-reports] [--obfuscate] [--public-comment T] [--private-comment T]'),
    unblock: line('domains unblock DOMAIN'),
    allow: line('domains allow DOMAIN'),
    disallow: line('domains disallow DOMAIN'),
    list: line('domains list'),
    purge: line('domains purge DOMAIN… [--concurrency N] [--dry-run]'),
    crawl: line('domains crawl [START] [--concurrency N] [--format summary|domains|json] [--exclude-suspended]'),
  },
  cache: {
    clear: line('cache clear'),
    recount: line('cache recount accounts|statuses'),
  },
  feeds: {
    build: line('feeds build USERNAME | --all [--concurrency N]'),
    clear: line('feeds clear'),
  },
  email_domain_blocks: {
    list: line('email_domain_blocks list'),
    add: line('email_domain_blocks add DOMAIN… [--with-approval]'),
    remove: line('email_domain_blocks remove DOMAIN…'),
  },
  ip_blocks: {
    add: line('ip_blocks add IP… --severity no_access|sign_up_block|sign_up_requires_approval [--comment C] [--duration SECONDS] [--force]'),
    remove: line('ip_blocks remove IP…'),
    export: line('ip_blocks export [--format plain|nginx]'),
  },
  canonical_email_blocks: {
    find: line('canonical_email_blocks find EMAIL'),
    remove: line('canonical_email_blocks remove EMAIL'),
  },
  emoji: {
    import: line('emoji import PATH [--prefix P] [--suffix S] [--overwrite] [--unlisted] [--category C] [--shortcode S]'),
    export: line('emoji export DIR [--category C] [--overwrite]'),
    list: line('emoji list [--category C]'),
    modify: line('emoji modify SHORTCODE [--category C | --no-category] [--listed | --unlisted] [--enable | --disable]'),
    delete: line('emoji delete SHORTCODE'),
    purge: line('emoji purge [--remote-only | --suspended-only]'),
  },
  media: {
    remove: line('media remove [--days N] [--prune-profiles | --remove-headers] [--include-follows] [--concurrency N] [--dry-run]'),
    'remove-orphans': line('media remove-orphans [--prefix PREFIX] [--dry-run]'),
    usage: line('media usage'),
    refresh: line('media refresh [--status ID | --account USER@DOMAIN | --domain DOMAIN] [--days N] [--force] [--concurrency N] [--dry-run]'),
  },
  statuses: {
    remove: line('statuses remove [--days N] [--dry-run]'),
  },
  preview_cards: {
    remove: line('preview_cards remove [--days N] [--link] [--concurrency N] [--dry-run]'),
  },
  search: {
    deploy: line('search deploy [--batch-size N]'),
  },
  maintenance: {
    'fix-duplicates': line('maintenance fix-duplicates [--dry-run]'),
  },
  'self-destruct': {
    'self-destruct': line('self-destruct --confirm DOMAIN [--dry-run]'),
  },
  rules: {
    add: line('rules add TEXT [--hint HINT] [--priority N]'),
    list: line('rules list'),
    remove: line('rules remove ID'),
  },
  settings: {
    registrations: line('settings registrations open|approved|close [--require-reason]'),
    'privacy-policy': line('settings privacy-policy FILE | --default'),
  },
  trends: {
    list: line('trends list [tags|links|statuses]'),
    approve: line('trends approve tag|link|status|account NAME_URL_OR_ID'),
    reject: line('trends reject tag|link|status|account NAME_URL_OR_ID'),
    enable: line('trends enable'),
    disable: line('trends disable'),
    'review-required': line('trends review-required yes|no'),
  },
} as const satisfies Record<string, Record<string, string>>;

export type AdminCommandName = keyof typeof ADMIN_USAGE;

/** What a sub-command does, printed under its usage by `--help` (for those whose options need saying). */
const DESCRIPTIONS: Partial<Record<AdminCommandName, Record<string, string>>> = {
  accounts: {
    rotate: `Gives local accounts new key pairs (RSA for HTTP Signatures, Ed25519 for Object Integrity Proofs)
and sends their followers' servers an Update of the actor with the new public keys, like tootctl accounts rotate.`,
    cull: `Asks the servers of remote accounts (of the given domains, or all) for each one, signed by the
instance actor, and removes those answered 404 or 410, like tootctl accounts cull. Servers that do not
answer clearly are listed and their accounts kept. --concurrency: requests at once (5). --dry-run removes nothing.`,
    refresh: `Fetches remote profiles again (name, note, keys, avatar and header), like tootctl accounts refresh.`,
    prune: `Removes remote accounts nothing here refers to: no statuses, mentions, favourites, follows or follow
requests, blocks, mutes or reports; bots and other automated actors are kept. Like tootctl accounts prune.`,
    backup: `Requests an archive of a local member's account (posts, media, avatar, header, likes, bookmarks), built
in the background and mailed to the member when ready, like tootctl accounts backup. Unlike the member's own
request from /settings/export, it is not held to one a week.`,
  },
  cache: {
    clear: `Empties the cache (Redis in server mode, the running instance's memory when embedded), like
tootctl cache clear: rate-limit counters, cached lookups and markers start again.`,
    recount: `Computes again the counters kept on this server's own accounts (statuses, followers, following) or
statuses (replies, reblogs, favourites) from what they count, like tootctl cache recount. Other servers'
counters are what their servers report, and are left alone.`,
  },
  feeds: {
    build: `Rebuilds the home and list feeds of a member (or all) from the database, like tootctl feeds build.`,
    clear: `Drops every home and list feed, like tootctl feeds clear; a member's home feed is rebuilt when they
next read it.`,
  },
  domains: {
    purge: `Removes every account of the domains, with their statuses, follows and files, and the domains'
custom emoji and cached media, like tootctl domains purge. It does not block them: what they send later is
stored again unless they are blocked (subspace domains block).`,
    crawl: `Crawls the fediverse from the servers this one knows (or from START), like tootctl domains crawl: each
server is asked for its figures (/api/v1/instance, /api/v1/instance/activity, NodeInfo) and its peers
(/api/v1/instance/peers), which are crawled in turn. --concurrency: servers at once (50). --format: summary
(totals of servers, registered and active users, software), domains (one a line) or json.
--exclude-suspended (-x): skips servers this one suspends, and their subdomains. Never private addresses
(unless ALLOWED_PRIVATE_ADDRESSES), each request bounded in time and size.`,
  },
  email_domain_blocks: {
    add: `Refuses sign-ups with an e-mail address at these domains or their subdomains (or whose mail goes to
them), like tootctl email_domain_blocks add; with --with-approval they wait for approval instead.`,
  },
  ip_blocks: {
    add: `Blocks address ranges (an IP or CIDR range), like tootctl ip_blocks add: no_access refuses every request
from them, sign_up_block refuses sign-ups, sign_up_requires_approval makes them wait for approval.
--duration: seconds until the block lapses (none: it stays). --force replaces a block of the same range.`,
    export: `Prints the blocked ranges one a line, or with --format nginx a \`deny\` line for each range refused
all access (to include in the nginx site).`,
  },
  maintenance: {
    'fix-duplicates': `Merges remote accounts stored more than once under one actor URI (a handle renamed between two
fetches), like tootctl maintenance fix-duplicates: the one fetched last keeps the others' follows, statuses,
mentions, favourites, blocks, mutes, notes, list memberships and reports. The other duplicates tootctl mends
(of usernames, statuses, tags…) cannot arise here: unique indexes refuse them.`,
  },
  statuses: {
    remove: `Deletes other servers' statuses older than --days (90) that nothing here refers to, like tootctl
statuses remove: their authors have no followers here, and no member favourited, bookmarked, reblogged,
replied to or pinned them, was mentioned in them or reported them. Their attachments' files go too.`,
  },
  search: {
    deploy: `Writes again the full-text search document of every status (its content warning and text, stemmed in
its language and as written), like tootctl search deploy, on a progress bar; a batch (1,000) per statement.
Documents are kept current as statuses are written: this is for after a restore or a change of how they are
made. Accounts and hashtags need nothing: they are found through indexes on their names.`,
  },
  preview_cards: {
    remove: `Removes the stored thumbnails of preview cards fetched more than --days (180) ago (with --link, of link
cards only), like tootctl preview_cards remove; the cards stay, without an image.`,
  },
  webhooks: {
    create: `Adds an endpoint told of events (account.created, account.approved, account.updated, report.created,
report.updated, status.created, status.updated) by a signed POST (X-Hub-Signature: sha256=HMAC of the body
with the secret). Without --secret, a random one is made. Prints the id and the secret.`,
  },
  backup: {
    keygen: `Prints a new age identity (AGE-SECRET-KEY-1…, keep it safe and away from the instance) and its
recipient (age1…), which backups are encrypted to.`,
    create: `Writes one encrypted archive (the database, the media store, the secrets kept outside the database)
to a directory or an S3 bucket (BACKUP_S3_*), and prints its path or s3:// key last. --to and --recipient
default to BACKUP_TO and BACKUP_RECIPIENTS; --keep deletes this instance's older archives there.`,
    verify: `Decrypts the archive and checks every file against its manifest's size and SHA-256.`,
  },
  media: {
    remove: `Removes the cached copies of other servers' media attachments made more than --days ago (7), like
tootctl media remove; they are fetched again when needed. With --prune-profiles, the avatars and headers
(with --remove-headers only the headers) of remote accounts not webfingered nor updated for --days instead,
of accounts nobody here follows or is followed by unless --include-follows. --concurrency: files removed at
once (5). --dry-run counts without removing.`,
    'remove-orphans': `Removes stored files that no media attachment (file, preview or thumbnail), account, custom emoji or
preview card names (files written in the last hour are left alone: an upload may be under way), and lists
files it does not recognize. Every stored file is listed: on S3 this costs one request per 1,000 files.`,
    usage: `Prints the space stored media take: attachments, custom emoji, avatars and headers (local ones and
cached copies of other servers'), preview cards, and files nothing names. Every stored file is listed.`,
  },
};

/** The process commands and the other commands without sub-commands (`db` has one: `migrate`): synopsis, what it does. */
const PROCESS_COMMANDS = {
  start: ['start', 'every role in one process (what npm start runs)'],
  web: ['web', 'the web tier (API, OAuth, pages)'],
  streaming: ['streaming', 'the streaming API (WebSocket and Server-Sent Events)'],
  worker: ['worker [--queues default,push,ingress,mailers,pull,scheduler] [--concurrency N]', 'background jobs from the given queues'],
  scheduler: ['scheduler', 'enqueues periodic jobs'],
  db: ['db migrate', 'applies database migrations (server mode)'],
  upgrade: ['upgrade', 'after installing a new version: applies its database migrations and prints the version'],
  config: ['config check', 'prints the effective configuration (secrets masked) and warns about variables it ignores'],
  secret: ['secret', 'prints a new SECRET_KEY_BASE'],
  webpush: ['webpush generate-vapid-key', 'prints a new VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY for Web Push'],
  restore: ['restore ARCHIVE|s3://BUCKET/KEY --identity FILE', 'restores a backup (subspace backup create) into an empty instance'],
  import: [
    'import mastodon --database postgres://… [--media-dir DIR | --media s3://BUCKET] [--dry-run]',
    "fills an empty instance with the same LOCAL_DOMAIN from a Mastodon 4.x database (read-only): accounts and their keys, statuses with their ids, relationships, apps and their tokens, settings; two-factor sign-in with Mastodon's ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY and ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT (OTP_SECRET before 4.3) in the environment; run it again to continue",
  ],
  version: ['version', 'prints the version (also --version)'],
} as const satisfies Record<string, readonly [string, string]>;

export type ProcessCommandName = keyof typeof PROCESS_COMMANDS;

/** A process command's help: its usage line, then what it does. */
export function processUsage(command: ProcessCommandName): string {
  const [synopsis, description] = PROCESS_COMMANDS[command];
  return `${usage(line(synopsis))}\n\n${description[0]!.toUpperCase()}${description.slice(1)}.`;
}

/** A process command's line in the overview: the synopsis, and what it does in a column (or below). */
function overviewLine(command: ProcessCommandName): string {
  const [synopsis, description] = PROCESS_COMMANDS[command];
  const start = line(synopsis);
  return start.length < 33 ? `${start.padEnd(33)}${description}` : `${start}\n${' '.repeat(33)}${description}`;
}

export const usage = (...lines: string[]) => `Usage:\n${lines.join('\n')}`;

/** A command's whole usage: all its sub-commands' lines. */
export function commandUsage(command: AdminCommandName): string {
  return usage(...new Set(Object.values(ADMIN_USAGE[command])));
}

/** A sub-command's help: its usage, and what it does when that needs saying. */
export function subcommandHelp(command: AdminCommandName, sub: string): string {
  const lines: Record<string, string> = ADMIN_USAGE[command];
  const description = DESCRIPTIONS[command]?.[sub];
  return description ? `${usage(lines[sub]!)}\n\n${description}` : usage(lines[sub]!);
}

export const isAdminCommandName = (name: string | undefined): name is AdminCommandName => !!name && Object.hasOwn(ADMIN_USAGE, name);
export const isProcessCommandName = (name: string | undefined): name is ProcessCommandName => !!name && Object.hasOwn(PROCESS_COMMANDS, name);

export const MAIN_USAGE = `Usage: subspace <command> [options]

Processes:
${(['start', 'web', 'streaming', 'worker', 'scheduler'] as const).map(overviewLine).join('\n')}

Administration (while an embedded instance runs, these go to it through <data dir>/subspace.sock):
${Object.values(ADMIN_USAGE)
  .flatMap((lines) => [...new Set(Object.values(lines))])
  .join('\n')}
${(['db', 'upgrade', 'config', 'secret', 'webpush', 'restore', 'import', 'version'] as const).map(overviewLine).join('\n')}

Run \`subspace <command> --help\` for a command's options.`;

/**
 * The help `argv` asks for (`--help` or `-h` anywhere, or `help` as the sub-command), or undefined
 * when it asks for none or names no known command.
 */
export function helpFor(argv: string[]): string | undefined {
  const [command, sub, ...rest] = argv;
  if (isAdminCommandName(command)) {
    const lines: Record<string, string> = ADMIN_USAGE[command];
    if (sub && Object.hasOwn(lines, sub)) return wantsHelp(rest) ? subcommandHelp(command, sub) : undefined;
    return sub === 'help' || wantsHelp(argv.slice(1)) ? commandUsage(command) : undefined;
  }
  if (isProcessCommandName(command)) return sub === 'help' || wantsHelp(argv.slice(1)) ? processUsage(command) : undefined;
  return undefined;
}
