import type { CanonicalEmailBlockRow, EmailDomainBlockRow, IpBlockRow } from '../db/schema.ts';
import { ipWithPrefix } from '../lib/ip-ranges.ts';

export interface HistoryDay {
  day: string;
  accounts: string;
  uses: string;
}

/** REST::Admin::EmailDomainBlockSerializer. */
export function renderAdminEmailDomainBlock(block: EmailDomainBlockRow, history: HistoryDay[]) {
  return { id: String(block.id), domain: block.domain, created_at: block.createdAt.toISOString(), history, allow_with_approval: block.allowWithApproval };
}

/** REST::Admin::CanonicalEmailBlockSerializer. */
export function renderAdminCanonicalEmailBlock(block: CanonicalEmailBlockRow) {
  return { id: String(block.id), canonical_email_hash: block.canonicalEmailHash };
}

/** REST::Admin::IpBlockSerializer. */
export function renderAdminIpBlock(block: IpBlockRow) {
  return {
    id: String(block.id),
    ip: ipWithPrefix(block.ip),
    severity: block.severity,
    comment: block.comment,
    created_at: block.createdAt.toISOString(),
    expires_at: block.expiresAt?.toISOString() ?? null,
  };
}
