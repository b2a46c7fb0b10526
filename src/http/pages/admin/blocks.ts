import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { ipWithPrefix } from '../../../lib/ip-ranges.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { createEmailDomainBlock, listEmailDomainBlocks, removeEmailDomainBlock } from '../../../services/moderation/email-domain-blocks.ts';
import { createIpBlock, IP_BLOCK_SEVERITIES, listIpBlocks, removeIpBlock } from '../../../services/moderation/ip-blocks.ts';
import { createDomainAllow, createDomainBlock, listDomainAllows, listDomainBlocks, removeDomainAllow, removeDomainBlock, SEVERITIES } from '../../../services/relationships/block-domain.ts';
import { railsBoolean, text } from '../../plugins/params.ts';
import { buttonForm, day } from '../../views/admin/layout.ts';
import { html, type SafeHtml } from '../../views/html.ts';
import { olderEntriesLink, renderStaffPage, staffAction, staffListPage, staffView } from './staff-page.ts';

/** Every list shows this many, newest first (the admin API pages further). */
const LIMIT = 200;
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

const table = (headings: string[], rows: SafeHtml[], empty: string) =>
  rows.length ? html`<table><thead><tr>${headings.map((heading) => html`<th scope="col">${heading}</th>`)}</tr></thead><tbody>${rows}</tbody></table>` : html`<p>${empty}</p>`;
const csrfField = (csrf: string) => html`<input type="hidden" name="authenticity_token" value="${csrf}">`;
const options = (values: readonly string[]) => values.map((value) => html`<option value="${value}">${value}</option>`);

/**
 * The staff pages for what the instance refuses: domain blocks and allows (Admin::DomainBlocksController,
 * Admin::DomainAllowsController), e-mail domain blocks and IP blocks; each lists, adds and removes,
 * through the services the admin API uses, and each change is in the audit log.
 */
export function staffBlocksRoutes(app: FastifyInstance, ctx: AppContext) {
  const federation = PERMISSIONS.manageFederation;
  const blocks = PERMISSIONS.manageBlocks;

  app.get('/admin/domain_blocks', (request, reply) =>
    staffView(ctx, request, reply, federation, async (staff) => {
      const [blocked, allowed] = await Promise.all([listDomainBlocks(ctx, { limit: LIMIT }), listDomainAllows(ctx, { limit: LIMIT })]);
      const body = html`<section aria-labelledby="blocks-heading"><h2 id="blocks-heading">Domain blocks</h2>
${table(
  ['Domain', 'Severity', 'Public comment', 'Private comment', ''],
  blocked.map(
    (block) =>
      html`<tr><td>${block.domain}</td><td>${block.severity}${block.rejectMedia ? ', reject media' : ''}${block.rejectReports ? ', reject reports' : ''}</td><td>${block.publicComment ?? ''}</td><td>${block.privateComment ?? ''}</td><td>${buttonForm(`/admin/domain_blocks/${block.id}/delete`, staff.csrf, `Unblock ${block.domain}`, { secondary: true })}</td></tr>`,
  ),
  'No domain is blocked.',
)}
<form method="post" action="/admin/domain_blocks">${csrfField(staff.csrf)}
<label for="block-domain">Domain</label><input id="block-domain" type="text" name="domain" required>
<label for="block-severity">Severity</label><select id="block-severity" name="severity">${options(SEVERITIES)}</select>
<p class="checkbox"><input id="block-media" type="checkbox" name="reject_media" value="1"> <label for="block-media">Reject media files</label></p>
<p class="checkbox"><input id="block-reports" type="checkbox" name="reject_reports" value="1"> <label for="block-reports">Reject reports</label></p>
<label for="block-public">Public comment</label><input id="block-public" type="text" name="public_comment">
<label for="block-private">Private comment</label><input id="block-private" type="text" name="private_comment">
<button type="submit">Block domain</button></form></section>
<section aria-labelledby="allows-heading"><h2 id="allows-heading">Domain allows</h2><p class="hint">Used when the instance federates only with allowed domains (limited federation mode).</p>
${table(
  ['Domain', ''],
  allowed.map((allow) => html`<tr><td>${allow.domain}</td><td>${buttonForm(`/admin/domain_allows/${allow.id}/delete`, staff.csrf, `Stop allowing ${allow.domain}`, { secondary: true })}</td></tr>`),
  'No domain is allowed explicitly.',
)}
<form method="post" action="/admin/domain_allows">${csrfField(staff.csrf)}<label for="allow-domain">Domain</label><input id="allow-domain" type="text" name="domain" required><button type="submit">Allow domain</button></form></section>`;
      return renderStaffPage(ctx, reply, staff, 'Federation', body);
    }),
  );
  app.post('/admin/domain_blocks', (request, reply) =>
    staffAction(ctx, request, reply, federation, async (staff, input) => {
      await createDomainBlock(
        ctx,
        {
          domain: text(input.domain),
          severity: text(input.severity),
          rejectMedia: railsBoolean(input.reject_media) === true,
          rejectReports: railsBoolean(input.reject_reports) === true,
          publicComment: text(input.public_comment) || null,
          privateComment: text(input.private_comment) || null,
        },
        staff.account.id,
      );
      return '/admin/domain_blocks';
    }),
  );
  app.post('/admin/domain_blocks/:id/delete', (request, reply) =>
    staffAction(ctx, request, reply, federation, async (staff) => {
      await removeDomainBlock(ctx, idOf(request), staff.account.id);
      return '/admin/domain_blocks';
    }),
  );
  app.post('/admin/domain_allows', (request, reply) =>
    staffAction(ctx, request, reply, federation, async (staff, input) => {
      await createDomainAllow(ctx, text(input.domain), staff.account.id);
      return '/admin/domain_blocks';
    }),
  );
  app.post('/admin/domain_allows/:id/delete', (request, reply) =>
    staffAction(ctx, request, reply, federation, async (staff) => {
      await removeDomainAllow(ctx, idOf(request), staff.account.id);
      return '/admin/domain_blocks';
    }),
  );

  app.get('/admin/email_domain_blocks', (request, reply) =>
    staffView(ctx, request, reply, blocks, async (staff) => {
      const rows = await listEmailDomainBlocks(ctx, staffListPage(request, LIMIT));
      const body = html`${table(
        ['Domain', 'Sign-ups', 'Added', ''],
        rows.map(
          (block) =>
            html`<tr><td>${block.domain}</td><td>${block.allowWithApproval ? 'held for approval' : 'refused'}</td><td>${day(block.createdAt)}</td><td>${buttonForm(`/admin/email_domain_blocks/${block.id}/delete`, staff.csrf, `Unblock ${block.domain}`, { secondary: true })}</td></tr>`,
        ),
        'No e-mail domain is blocked.',
      )}
${olderEntriesLink(request, rows, LIMIT, 'More blocks')}
<form method="post" action="/admin/email_domain_blocks">${csrfField(staff.csrf)}
<label for="email-domain">Domain</label><input id="email-domain" type="text" name="domain" required>
<p class="checkbox"><input id="email-approval" type="checkbox" name="allow_with_approval" value="1"> <label for="email-approval">Allow sign-ups with approval</label></p>
<button type="submit">Block e-mail domain</button></form>`;
      return renderStaffPage(ctx, reply, staff, 'E-mail domain blocks', body);
    }),
  );
  app.post('/admin/email_domain_blocks', (request, reply) =>
    staffAction(ctx, request, reply, blocks, async (staff, input) => {
      await createEmailDomainBlock(ctx, { domain: text(input.domain), allowWithApproval: railsBoolean(input.allow_with_approval) === true }, staff.account.id);
      return '/admin/email_domain_blocks';
    }),
  );
  app.post('/admin/email_domain_blocks/:id/delete', (request, reply) =>
    staffAction(ctx, request, reply, blocks, async (staff) => {
      await removeEmailDomainBlock(ctx, idOf(request), staff.account.id);
      return '/admin/email_domain_blocks';
    }),
  );

  app.get('/admin/ip_blocks', (request, reply) =>
    staffView(ctx, request, reply, blocks, async (staff) => {
      const rows = await listIpBlocks(ctx, staffListPage(request, LIMIT));
      const body = html`${table(
        ['Range', 'Severity', 'Comment', 'Expires', ''],
        rows.map(
          (block) =>
            html`<tr><td>${ipWithPrefix(block.ip)}</td><td>${block.severity}</td><td>${block.comment}</td><td>${block.expiresAt ? day(block.expiresAt) : 'never'}</td><td>${buttonForm(`/admin/ip_blocks/${block.id}/delete`, staff.csrf, `Unblock ${ipWithPrefix(block.ip)}`, { secondary: true })}</td></tr>`,
        ),
        'No IP range is blocked.',
      )}
${olderEntriesLink(request, rows, LIMIT, 'More blocks')}
<form method="post" action="/admin/ip_blocks">${csrfField(staff.csrf)}
<label for="ip-range">IP address or range</label><input id="ip-range" type="text" name="ip" required>
<label for="ip-severity">Severity</label><select id="ip-severity" name="severity">${options(IP_BLOCK_SEVERITIES)}</select>
<label for="ip-expires">Expires in (seconds, empty for never)</label><input id="ip-expires" type="text" name="expires_in" inputmode="numeric">
<label for="ip-comment">Comment</label><input id="ip-comment" type="text" name="comment">
<button type="submit">Block IP</button></form>`;
      return renderStaffPage(ctx, reply, staff, 'IP blocks', body);
    }),
  );
  app.post('/admin/ip_blocks', (request, reply) =>
    staffAction(ctx, request, reply, blocks, async (staff, input) => {
      await createIpBlock(ctx, { ip: text(input.ip), severity: text(input.severity), comment: text(input.comment) ?? null, expiresIn: text(input.expires_in) ?? null }, staff.account.id);
      return '/admin/ip_blocks';
    }),
  );
  app.post('/admin/ip_blocks/:id/delete', (request, reply) =>
    staffAction(ctx, request, reply, blocks, async (staff) => {
      await removeIpBlock(ctx, idOf(request), staff.account.id);
      return '/admin/ip_blocks';
    }),
  );
}
