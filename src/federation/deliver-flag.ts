import { Flag, type Recipient } from '@fedify/vocab';
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, reports, statuses } from '../db/schema.ts';
import { withFederation } from './federation.ts';
import { INSTANCE_ACTOR } from './paths.ts';

/**
 * The push job behind a forwarded report (Mastodon's ReportService#forward_to_origin! and
 * #forward_to_replied_to!): a Flag (ActivityPub::FlagSerializer: the report's id, the instance
 * actor, the comment, the reported account and statuses) from the instance actor, which stands
 * for the reporter, to the reported account's inbox when its domain is among those chosen, and
 * to the inboxes of the remote accounts the reported statuses replied to on those domains.
 */
export async function deliverFlag(ctx: AppContext, data: { reportId: string; domains: string[] }): Promise<void> {
  const [report] = await ctx.db.select().from(reports).where(eq(reports.id, data.reportId));
  if (!report?.uri) return;
  const [target] = await ctx.db.select().from(accounts).where(eq(accounts.id, report.targetAccountId));
  if (!target?.domain || !target.inboxUrl) return;
  const domains = new Set(data.domains.map((domain) => domain.toLowerCase()));
  const reported = report.statusIds.length
    ? await ctx.db.select({ uri: statuses.uri, inReplyToAccountId: statuses.inReplyToAccountId }).from(statuses).where(inArray(statuses.id, report.statusIds))
    : [];

  const recipients: Recipient[] = [];
  const inboxes = new Set<string>();
  if (domains.has(target.domain.toLowerCase())) {
    recipients.push({ id: new URL(target.uri), inboxId: new URL(target.inboxUrl), endpoints: null });
    inboxes.add(target.inboxUrl);
    if (target.sharedInboxUrl) inboxes.add(target.sharedInboxUrl);
  }
  const repliedTo = [...new Set(reported.flatMap((status) => status.inReplyToAccountId ?? []))];
  if (repliedTo.length) {
    const others = await ctx.db
      .select()
      .from(accounts)
      .where(
        and(
          inArray(accounts.id, repliedTo),
          isNotNull(accounts.domain),
          isNotNull(accounts.inboxUrl),
          sql`lower(${accounts.domain}) IN (${sql.join(
            [...domains].map((domain) => sql`${domain}`),
            sql`, `,
          )})`,
        ),
      );
    for (const other of others) {
      const inbox = other.sharedInboxUrl ?? other.inboxUrl!;
      if (inboxes.has(inbox) || inboxes.has(other.inboxUrl!)) continue;
      inboxes.add(inbox);
      recipients.push({ id: new URL(other.uri), inboxId: new URL(inbox), endpoints: null });
    }
  }
  if (recipients.length === 0) return;

  await withFederation(ctx, async (fctx) => {
    const flag = new Flag({
      id: new URL(report.uri!),
      actor: fctx.getActorUri(INSTANCE_ACTOR),
      content: report.comment,
      objects: [new URL(target.uri), ...reported.flatMap((status) => (status.uri ? [new URL(status.uri)] : []))],
    });
    await fctx.sendActivity({ identifier: INSTANCE_ACTOR }, recipients, flag);
  });
}
