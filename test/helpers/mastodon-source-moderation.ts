import { createHash } from 'node:crypto';
import type { MastodonSource } from './mastodon-source.ts';

/** The moderation history and members' choices added to a Mastodon fixture, for tests to compare the import with. */
export interface ModerationFixture {
  strikes: { dave: string; bobWarning: string; bobSensitive: string };
  appeals: { pending: string; approved: string };
  actionLogs: { suspendDave: string; resolveReport: string; blockDomain: string };
  invites: { open: string; expired: string; usedUp: string };
  /** an address whose canonical form is blocked */
  blockedEmail: string;
  blockedEmailHash: string;
}

const at = (iso: string) => new Date(iso);

/**
 * Adds to a Mastodon fixture (startMastodonSource) what its staff and members did besides posting:
 * strikes and appeals, the audit log, invites, a canonical e-mail block, endorsements, reactions to
 * and dismissals of the announcement, and a moderator's note on an account.
 */
export async function addModerationHistory(source: MastodonSource): Promise<ModerationFixture> {
  const { alice, bob, carol, remote, statuses, report, announcement, emoji } = source.fixture;
  const ts = { created_at: at('2024-02-01T10:00:00Z'), updated_at: at('2024-02-02T10:00:00Z') };
  const put = async (table: string, row: Record<string, unknown>) => {
    const columns = Object.keys(row);
    await source.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(row));
  };

  await put('account_moderation_notes', { id: 1, content: 'Keeps posting spam links', account_id: carol.id, target_account_id: remote.dave, ...ts });

  // strikes: dave suspended over the report; bob warned (appealed, pending) and marked sensitive (appealed, approved)
  const strikes = { dave: '1401', bobWarning: '1402', bobSensitive: '1403' };
  await put('account_warnings', { id: strikes.dave, account_id: alice.id, target_account_id: remote.dave, action: 4000, text: 'Spam', report_id: report, status_ids: [], ...ts });
  await put('account_warnings', {
    id: strikes.bobWarning,
    account_id: carol.id,
    target_account_id: bob.id,
    action: 0,
    text: 'Please keep it friendly',
    status_ids: [statuses.mention],
    created_at: at('2024-03-01T10:00:00Z'),
    updated_at: at('2024-03-01T10:00:00Z'),
  });
  await put('account_warnings', {
    id: strikes.bobSensitive,
    account_id: alice.id,
    target_account_id: bob.id,
    action: 2000,
    text: '',
    overruled_at: at('2024-03-05T10:00:00Z'),
    created_at: at('2024-03-02T10:00:00Z'),
    updated_at: at('2024-03-05T10:00:00Z'),
  });
  // the notification that told bob of the warning
  await put('notifications', {
    id: 2201,
    activity_id: strikes.bobWarning,
    activity_type: 'AccountWarning',
    type: 'moderation_warning',
    account_id: bob.id,
    from_account_id: carol.id,
    created_at: at('2024-03-01T10:00:00Z'),
    updated_at: at('2024-03-01T10:00:00Z'),
  });
  const appeals = { pending: '1501', approved: '1502' };
  await put('appeals', { id: appeals.pending, account_id: bob.id, account_warning_id: strikes.bobWarning, text: 'It was a joke', ...ts });
  await put('appeals', {
    id: appeals.approved,
    account_id: bob.id,
    account_warning_id: strikes.bobSensitive,
    text: 'My pictures are of cakes',
    approved_at: at('2024-03-05T10:00:00Z'),
    approved_by_account_id: alice.id,
    ...ts,
  });

  // the audit log, as Mastodon's Admin::ActionLog writes it (human_identifier kept at the time)
  const [spamBlock] = await source.query<{ id: string }>(`SELECT id::text AS id FROM domain_blocks WHERE domain = 'spam.example'`);
  const actionLogs = { suspendDave: '1601', resolveReport: '1602', blockDomain: '1603' };
  const log = (id: string, account: string, action: string, targetType: string, targetId: string, human: string, when: string) =>
    put('admin_action_logs', {
      id,
      account_id: account,
      action,
      target_type: targetType,
      target_id: targetId,
      human_identifier: human,
      route_param: null,
      permalink: null,
      created_at: at(when),
      updated_at: at(when),
    });
  await log(actionLogs.suspendDave, alice.id, 'suspend', 'Account', remote.dave, 'dave@elsewhere.example', '2024-02-01T00:00:00Z');
  await log(actionLogs.resolveReport, carol.id, 'resolve', 'Report', report, report, '2024-02-01T00:01:00Z');
  await log(actionLogs.blockDomain, alice.id, 'create', 'DomainBlock', spamBlock!.id, 'spam.example', '2024-02-01T00:02:00Z');

  // invites: one that still works, one expired, one used up; frank signed up with the first
  const invites = { open: 'TeaParty', expired: 'OldParty', usedUp: 'FullHouse' };
  await put('invites', { id: 1701, user_id: alice.userId, code: invites.open, max_uses: 5, uses: 1, autofollow: true, comment: 'for the tea party', expires_at: at('2099-01-01T00:00:00Z'), ...ts });
  await put('invites', { id: 1702, user_id: alice.userId, code: invites.expired, expires_at: at('2024-01-01T00:00:00Z'), ...ts });
  await put('invites', { id: 1703, user_id: alice.userId, code: invites.usedUp, max_uses: 1, uses: 1, ...ts });
  await source.query(`UPDATE users SET invite_id = 1701 WHERE id = $1`, [source.fixture.frank.userId]);

  // EmailHelper#email_to_canonical_email: lower case, no dots and no +tag in the local part
  const blockedEmailHash = createHash('sha256').update('spammer@mail.example').digest('hex');
  await put('canonical_email_blocks', { id: 1801, canonical_email_hash: blockedEmailHash, reference_account_id: remote.dave, ...ts });

  await put('account_pins', { id: 1901, account_id: alice.id, target_account_id: bob.id, ...ts });

  await put('announcement_reactions', { id: 2001, account_id: alice.id, announcement_id: announcement, name: '🍵', created_at: at('2024-02-01T10:00:00Z'), updated_at: ts.updated_at });
  await put('announcement_reactions', { id: 2002, account_id: bob.id, announcement_id: announcement, name: '🍵', created_at: at('2024-02-01T10:01:00Z'), updated_at: ts.updated_at });
  await put('announcement_reactions', {
    id: 2003,
    account_id: bob.id,
    announcement_id: announcement,
    name: 'blobcat',
    custom_emoji_id: emoji.local,
    created_at: at('2024-02-01T10:02:00Z'),
    updated_at: ts.updated_at,
  });
  await put('announcement_mutes', { id: 2101, account_id: bob.id, announcement_id: announcement, ...ts });

  return { strikes, appeals, actionLogs, invites, blockedEmail: 'Spam.Mer+again@mail.example', blockedEmailHash };
}
