import { announcements, domainAllows, domainBlocks, emailDomainBlocks, ipBlocks, reports, rules, settings } from '../../../../db/schema.ts';
import { DEFAULT_SETTINGS, type InstanceSettings } from '../../../accounts/settings.ts';
import { DOMAIN_BLOCK_SEVERITY, IP_BLOCK_SEVERITY, REPORT_CATEGORY } from '../mastodon-enums.ts';
import { after, type ImportStep, rowsStep } from '../step.ts';

/**
 * A value as rails-settings-cached wrote it: YAML of one scalar (`--- open`, `--- true`, a quoted
 * string, or a `|-` block for several lines); undefined for what is not a scalar.
 */
export function parseYamlScalar(text: string): unknown {
  const body = text.replace(/^---[ \n]?/, '').replace(/\n?\.\.\.\n?$/, '');
  const block = /^([|>])[-+]?\n([\s\S]*)$/.exec(body);
  if (block) {
    const lines = block[2]!.replace(/\n$/, '').split('\n');
    const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => line.length - line.trimStart().length));
    const unindented = lines.map((line) => line.slice(indent));
    return block[1] === '|' ? unindented.join('\n') : unindented.join(' ');
  }
  const value = body.replace(/\n$/, '');
  if (value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/''/g, "'").replace(/\n\s*/g, ' ');
  if (value.startsWith('"') && value.endsWith('"')) return JSON.parse(value.replace(/\n\s*/g, ' '));
  if (value === 'true' || value === 'false') return value === 'true';
  if (value === '' || value === '~' || value === 'null') return null;
  if (/^-?\d+$/.test(value)) return Number(value);
  if (value.startsWith('-') || value.startsWith('{') || value.startsWith('[') || value.includes('\n')) return undefined;
  return value;
}

export const settingsStep: ImportStep = {
  name: 'instance settings',
  table: 'settings',
  select: `SELECT id::text AS id, var, value FROM settings WHERE id > $1::bigint ORDER BY id LIMIT $2`,
  async write(tx, rows, _ctx, skip) {
    for (const row of rows) {
      const name = row.var as keyof InstanceSettings;
      if (!Object.hasOwn(DEFAULT_SETTINGS, name)) {
        skip(`instance setting ${row.var} (Subspace has no such setting)`);
        continue;
      }
      const value = row.value === null ? null : parseYamlScalar(row.value);
      if (value === undefined || value === null || typeof value !== typeof DEFAULT_SETTINGS[name]) {
        skip(`instance setting ${row.var} (a value Subspace cannot read)`);
        continue;
      }
      await tx.insert(settings).values({ var: name, value }).onConflictDoNothing();
    }
  },
};

export const rulesStep = rowsStep('rules', 'rules', `SELECT id::text AS id, priority, text, hint, deleted_at, created_at, updated_at FROM rules ${after}`, rules, (row) => ({
  id: row.id,
  priority: row.priority,
  text: row.text,
  hint: row.hint ?? '',
  deletedAt: row.deleted_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
}));

export const domainBlocksStep = rowsStep('domain blocks', 'domain_blocks', `SELECT b.*, b.id::text AS id FROM domain_blocks b WHERE b.id > $1::bigint ORDER BY b.id LIMIT $2`, domainBlocks, (row) => ({
  id: row.id,
  domain: row.domain,
  severity: DOMAIN_BLOCK_SEVERITY[row.severity ?? 0] ?? 'silence',
  rejectMedia: row.reject_media,
  rejectReports: row.reject_reports,
  privateComment: row.private_comment,
  publicComment: row.public_comment,
  obfuscate: row.obfuscate,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
}));

export const domainAllowsStep = rowsStep('domain allows', 'domain_allows', `SELECT id::text AS id, domain, created_at, updated_at FROM domain_allows ${after}`, domainAllows, (row) => ({
  id: row.id,
  domain: row.domain,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
}));

export const ipBlocksStep = rowsStep(
  'IP blocks',
  'ip_blocks',
  `SELECT id::text AS id, ip::text AS ip, severity, comment, expires_at, created_at, updated_at FROM ip_blocks ${after}`,
  ipBlocks,
  (row, skip) => {
    const severity = IP_BLOCK_SEVERITY[row.severity];
    if (!severity) {
      skip(`IP blocks of an unknown severity (${row.severity})`);
      return null;
    }
    return { id: row.id, ip: row.ip, severity, comment: row.comment, expiresAt: row.expires_at, createdAt: row.created_at, updatedAt: row.updated_at };
  },
);

export const emailDomainBlocksStep = rowsStep(
  'e-mail domain blocks',
  'email_domain_blocks',
  `SELECT id::text AS id, domain, parent_id::text AS parent_id, allow_with_approval, created_at, updated_at FROM email_domain_blocks ${after}`,
  emailDomainBlocks,
  (row) => ({ id: row.id, domain: row.domain, parentId: row.parent_id, allowWithApproval: row.allow_with_approval, createdAt: row.created_at, updatedAt: row.updated_at }),
);

export const reportsStep = rowsStep(
  'reports',
  'reports',
  `SELECT id::text AS id, account_id::text AS account_id, target_account_id::text AS target_account_id, status_ids::text[] AS status_ids, comment, category, rule_ids::text[] AS rule_ids,
      forwarded, uri, action_taken_at, action_taken_by_account_id::text AS action_taken_by_account_id, assigned_account_id::text AS assigned_account_id, created_at, updated_at
    FROM reports ${after}`,
  reports,
  (row) => ({
    id: row.id,
    accountId: row.account_id,
    targetAccountId: row.target_account_id,
    statusIds: row.status_ids,
    comment: row.comment,
    category: REPORT_CATEGORY[row.category] ?? 'other',
    ruleIds: row.rule_ids,
    forwarded: row.forwarded ?? false,
    uri: row.uri,
    actionTakenAt: row.action_taken_at,
    actionTakenByAccountId: row.action_taken_by_account_id,
    assignedAccountId: row.assigned_account_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }),
);

export const announcementsStep = rowsStep(
  'announcements',
  'announcements',
  `SELECT a.*, a.id::text AS id FROM announcements a WHERE a.id > $1::bigint ORDER BY a.id LIMIT $2`,
  announcements,
  (row) => ({
    id: row.id,
    text: row.text,
    published: row.published,
    publishedAt: row.published_at,
    allDay: row.all_day,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    scheduledAt: row.scheduled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }),
);
