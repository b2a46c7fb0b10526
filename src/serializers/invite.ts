import type { InviteRow } from '../db/schema.ts';

/** An invite as the staff/web interface sees it (Mastodon shows the same fields on /invites). */
export function renderInvite(invite: InviteRow, base: string) {
  return {
    id: String(invite.id),
    code: invite.code,
    url: `${base}/invite/${invite.code}`,
    uses: invite.uses,
    max_uses: invite.maxUses,
    expires_at: invite.expiresAt?.toISOString() ?? null,
    autofollow: invite.autofollow,
    comment: invite.comment,
    created_at: invite.createdAt.toISOString(),
  };
}
