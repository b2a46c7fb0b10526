import { inArray } from 'drizzle-orm';
import { accountModerationNotes, accounts, accountWarnings, adminActionLogs, appeals, canonicalEmailBlocks, invites, notifications, reportNotes, reports, users } from '../../../../db/schema.ts';
import { ACCOUNT_WARNING_ACTION } from '../mastodon-enums.ts';
import { after, ids, type ImportStep, rowsStep, type SourceRow } from '../step.ts';

const strikesOnly = rowsStep(
  'strikes',
  'account_warnings',
  `SELECT ${ids('id', 'account_id', 'target_account_id', 'report_id')}, action, text, status_ids::text[] AS status_ids, overruled_at, created_at, updated_at FROM account_warnings ${after}`,
  accountWarnings,
  (row, skip) => {
    const action = ACCOUNT_WARNING_ACTION[row.action];
    if (!row.target_account_id || !action) {
      skip(row.target_account_id ? `strikes of an unknown action (${row.action})` : 'strikes on no account');
      return null;
    }
    return {
      id: row.id,
      accountId: row.account_id,
      targetAccountId: row.target_account_id,
      action,
      text: row.text ?? '',
      reportId: row.report_id,
      // Mastodon keeps them as strings; every one is a status id
      statusIds: row.status_ids?.filter((id: string) => /^\d+$/.test(id)) ?? null,
      overruledAt: row.overruled_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  },
);

/**
 * Strikes, with the notifications that told their members of them (Mastodon's `moderation_warning`,
 * which the notifications step leaves to this one: it runs before the strikes are there).
 */
export const accountWarningsStep: ImportStep = {
  ...strikesOnly,
  async write(tx, rows, ctx, skip) {
    await strikesOnly.write(tx, rows, ctx, skip);
    const told = await ctx.source.query<SourceRow>(
      `SELECT ${ids('id', 'account_id', 'from_account_id', 'activity_id')}, filtered, created_at FROM notifications
        WHERE activity_type = 'AccountWarning' AND type = 'moderation_warning' AND activity_id = ANY($1::bigint[])`,
      [rows.map((row) => row.id)],
    );
    if (told.length === 0) return;
    const imported = new Set(
      (
        await tx
          .select({ id: accountWarnings.id })
          .from(accountWarnings)
          .where(
            inArray(
              accountWarnings.id,
              told.map((row) => row.activity_id),
            ),
          )
      ).map((row) => row.id),
    );
    const values = told
      .filter((row) => imported.has(row.activity_id))
      .map((row) => ({
        id: row.id,
        accountId: row.account_id,
        fromAccountId: row.from_account_id,
        type: 'moderation_warning',
        accountWarningId: row.activity_id,
        filtered: row.filtered,
        createdAt: row.created_at,
      }));
    if (values.length > 0) await tx.insert(notifications).values(values).onConflictDoNothing();
  },
};

export const appealsStep = rowsStep(
  'appeals',
  'appeals',
  `SELECT ${ids('id', 'account_id', 'account_warning_id', 'approved_by_account_id', 'rejected_by_account_id')}, text, approved_at, rejected_at, created_at, updated_at FROM appeals ${after}`,
  appeals,
  (row) => ({
    id: row.id,
    accountId: row.account_id,
    accountWarningId: row.account_warning_id,
    text: row.text ?? '',
    approvedAt: row.approved_at,
    approvedByAccountId: row.approved_by_account_id,
    rejectedAt: row.rejected_at,
    rejectedByAccountId: row.rejected_by_account_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }),
);

/** What each of Mastodon's audit log actions did, as the summary says it. */
const ACTION_VERBS: Record<string, string> = {
  approve: 'approved',
  assigned_to_self: 'took',
  change_email: 'changed the e-mail address of',
  change_role: 'changed the role of',
  confirm: 'confirmed the e-mail address of',
  create: 'created',
  demote: 'demoted',
  destroy: 'deleted',
  disable: 'disabled',
  disable_2fa: 'turned off two-factor authentication for',
  disable_sign_in_token_auth: 'turned off e-mail token sign-in for',
  enable: 'enabled',
  enable_sign_in_token_auth: 'turned on e-mail token sign-in for',
  memorialize: 'turned into a memorial',
  promote: 'promoted',
  publish: 'published',
  reject: 'rejected',
  remove_avatar: 'removed the avatar of',
  reopen: 'reopened',
  resend: 'resent the confirmation e-mail of',
  reset_password: 'reset the password of',
  resolve: 'resolved',
  sensitive: 'marked as sensitive',
  silence: 'limited',
  suspend: 'suspended',
  unassigned: 'unassigned',
  unblock_email: 'unblocked the e-mail address of',
  unsensitive: 'lifted the sensitive mark on',
  unsilence: 'lifted the limit on',
  unsuspend: 'unsuspended',
  update: 'changed',
};

/** `EmailDomainBlock` → `e-mail domain block`; a user is shown as their account. */
function targetNoun(type: string): string {
  if (type === 'User') return 'account';
  return type
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/\bemail\b/g, 'e-mail');
}

/**
 * The line the audit log shows for a Mastodon entry, from what Mastodon kept of it: the action,
 * the kind of record and its human identifier (an acct, a domain, an IP, a report's id).
 */
export function actionLogSummary(action: string, targetType: string | null, humanIdentifier: string | null, targetId: string | null): string {
  const verb = ACTION_VERBS[action] ?? action.replaceAll('_', ' ');
  const type = targetType ?? '';
  let name = humanIdentifier ?? (targetId ? `#${targetId}` : '');
  if (humanIdentifier && (type === 'Account' || type === 'User' || type === 'AccountWarning' || type === 'Appeal')) name = `@${humanIdentifier}`;
  if (humanIdentifier && type === 'Report') name = `#${humanIdentifier}`;
  return [verb, type ? targetNoun(type) : '', name].filter(Boolean).join(' ');
}

export const adminActionLogsStep = rowsStep(
  'audit log',
  'admin_action_logs',
  `SELECT ${ids('id', 'account_id', 'target_id')}, action, target_type, human_identifier, created_at FROM admin_action_logs ${after}`,
  adminActionLogs,
  (row) => ({
    id: row.id,
    accountId: row.account_id,
    action: row.action,
    targetType: row.target_type ?? '',
    targetId: row.target_id,
    summary: actionLogSummary(row.action, row.target_type, row.human_identifier, row.target_id),
    createdAt: row.created_at,
  }),
);

export const canonicalEmailBlocksStep = rowsStep(
  'canonical e-mail blocks',
  'canonical_email_blocks',
  `SELECT ${ids('id', 'reference_account_id')}, canonical_email_hash, created_at, updated_at FROM canonical_email_blocks ${after}`,
  canonicalEmailBlocks,
  (row) => ({ id: row.id, canonicalEmailHash: row.canonical_email_hash, referenceAccountId: row.reference_account_id, createdAt: row.created_at, updatedAt: row.updated_at }),
);

/** Invites, whose codes go on working; the members who signed up with one are linked to it again. */
export const invitesStep: ImportStep = {
  name: 'invites',
  table: 'invites',
  select: `SELECT ${ids('id', 'user_id')}, code, expires_at, max_uses, uses, autofollow, comment, created_at, updated_at FROM invites ${after}`,
  async write(tx, rows, ctx) {
    const values = rows.map((row) => ({
      id: row.id,
      userId: row.user_id,
      code: row.code,
      expiresAt: row.expires_at,
      maxUses: row.max_uses,
      uses: row.uses,
      autofollow: row.autofollow,
      comment: row.comment,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
    await tx.insert(invites).values(values).onConflictDoNothing();
    const invited = await ctx.source.query<{ id: string; invite_id: string }>(`SELECT id::text AS id, invite_id::text AS invite_id FROM users WHERE invite_id = ANY($1::bigint[])`, [
      rows.map((row) => row.id),
    ]);
    const byInvite = new Map<string, { id: string }[]>();
    for (const user of invited) byInvite.set(user.invite_id, [...(byInvite.get(user.invite_id) ?? []), user]);
    for (const [inviteId, members] of byInvite) {
      await tx
        .update(users)
        .set({ inviteId })
        .where(
          inArray(
            users.id,
            members.map((user) => user.id),
          ),
        );
    }
  },
};

/** Notes whose report (or account) is here: a note on something the import left out is skipped, counted. */
function notesStep(
  name: string,
  table: string,
  select: string,
  target: typeof reportNotes | typeof accountModerationNotes,
  on: { parents: typeof reports | typeof accounts; column: string; field: 'reportId' | 'targetAccountId'; what: string },
): ImportStep {
  return {
    name,
    table,
    select,
    async write(tx, rows, _ctx, skip) {
      const parentIds = [...new Set(rows.map((row) => row[on.column] as string))];
      const here = new Set((await tx.select({ id: on.parents.id }).from(on.parents).where(inArray(on.parents.id, parentIds))).map((row) => row.id));
      const values = rows.flatMap((row) => {
        if (here.has(row[on.column])) return [{ id: row.id, content: row.content ?? '', accountId: row.account_id, [on.field]: row[on.column], createdAt: row.created_at, updatedAt: row.updated_at }];
        skip(`${name} on ${on.what} not imported`);
        return [];
      });
      if (values.length > 0)
        await tx
          .insert(target)
          .values(values as never)
          .onConflictDoNothing();
    },
  };
}

export const reportNotesStep = notesStep(
  "moderators' notes on reports",
  'report_notes',
  `SELECT ${ids('id', 'report_id', 'account_id')}, content, created_at, updated_at FROM report_notes ${after}`,
  reportNotes,
  { parents: reports, column: 'report_id', field: 'reportId', what: 'a report' },
);

export const accountModerationNotesStep = notesStep(
  "moderators' notes on accounts",
  'account_moderation_notes',
  `SELECT ${ids('id', 'target_account_id', 'account_id')}, content, created_at, updated_at FROM account_moderation_notes ${after}`,
  accountModerationNotes,
  { parents: accounts, column: 'target_account_id', field: 'targetAccountId', what: 'an account' },
);
