import { createHash } from 'node:crypto';

import type { DomainBlockRow } from '../db/schema.ts';
import type { DomainAllowRow } from '../db/schema.ts';

/** Mastodon's DomainBlock#public_domain: the middle of an obfuscated domain starred out, dots kept. */
export function publicDomain(block: Pick<DomainBlockRow, 'domain' | 'obfuscate'>): string {
  if (!block.obfuscate) return block.domain;
  const length = block.domain.length;
  const visible = Math.floor(length / 4);
  return [...block.domain].map((chr, i) => (i > visible && i < length - visible && chr !== '.' ? '*' : chr)).join('');
}

export function domainDigest(domain: string): string {
  return createHash('sha256').update(domain).digest('hex');
}

/** REST::Admin::DomainBlockSerializer. */
export function renderAdminDomainBlock(block: DomainBlockRow) {
  return {
    id: String(block.id),
    domain: block.domain,
    digest: domainDigest(block.domain),
    created_at: block.createdAt.toISOString(),
    severity: block.severity,
    reject_media: block.rejectMedia,
    reject_reports: block.rejectReports,
    private_comment: block.privateComment,
    public_comment: block.publicComment,
    obfuscate: block.obfuscate,
  };
}

/** REST::Admin::DomainAllowSerializer. */
export function renderDomainAllow(allow: DomainAllowRow) {
  return { id: String(allow.id), domain: allow.domain, created_at: allow.createdAt.toISOString() };
}

/** REST::DomainBlockSerializer, for `/api/v1/instance/domain_blocks`. */
export function renderPublicDomainBlock(block: DomainBlockRow, withComment: boolean) {
  return { domain: publicDomain(block), digest: domainDigest(block.domain), severity: block.severity, comment: withComment ? block.publicComment : null };
}
