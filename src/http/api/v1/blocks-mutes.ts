import { renderAccountRows } from '../../../services/entities.ts';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { queryRows } from '../../../db/index.ts';
import { accountsThroughRelation } from '../../../services/account-pages.ts';
import { blockDomain, normalizeDomain, unblockDomain } from '../../../services/domain-blocks.ts';
import { finishPage, pageCondition, pageOrder } from '../../../services/pagination.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';

/** `GET /api/v1/blocks`, `/mutes`, `/endorsements` and the member's `/domain_blocks`. */
export function blocksMutesRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/blocks', { preHandler: authorize({ scopes: ['read:blocks'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const entries = await accountsThroughRelation(
      ctx,
      { from: sql`blocks b`, cursor: sql`b.id`, account: sql`b.target_account_id`, where: sql`b.account_id = ${account.id}` },
      pageRequest(request, 40, 80),
    );
    setLinkHeader(ctx.config, request, reply, entries.map((entry) => entry.cursor));
    return await renderAccountRows(ctx, entries);
  });

  app.get('/api/v1/mutes', { preHandler: authorize({ scopes: ['read:mutes'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const entries = await accountsThroughRelation(
      ctx,
      {
        from: sql`mutes m`,
        cursor: sql`m.id`,
        account: sql`m.target_account_id`,
        where: sql`m.account_id = ${account.id} AND (m.expires_at IS NULL OR m.expires_at > now())`,
      },
      pageRequest(request, 40, 80),
    );
    const expiries = entries.length
      ? await queryRows<{ id: string; expires_at: string | Date | null }>(
          ctx.db,
          sql`SELECT id::text AS id, expires_at FROM mutes WHERE id IN (${sql.join(
            entries.map((entry) => sql`${entry.cursor}::bigint`),
            sql`, `,
          )})`,
        )
      : [];
    const expiresAt = new Map(expiries.map((row) => [row.id, row.expires_at === null ? null : new Date(row.expires_at).toISOString()]));
    setLinkHeader(ctx.config, request, reply, entries.map((entry) => entry.cursor));
    const rendered = await renderAccountRows(ctx, entries);
    return rendered.map((account, i) => ({ ...account, mute_expires_at: expiresAt.get(entries[i]!.cursor) ?? null }));
  });

  app.get('/api/v1/endorsements', { preHandler: authorize({ scopes: ['read:accounts'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const entries = await accountsThroughRelation(
      ctx,
      { from: sql`account_pins p JOIN accounts pa ON pa.id = p.target_account_id`, cursor: sql`p.id`, account: sql`p.target_account_id`, where: sql`p.account_id = ${account.id} AND pa.suspended_at IS NULL` },
      pageRequest(request, 40, 80),
    );
    setLinkHeader(ctx.config, request, reply, entries.map((entry) => entry.cursor));
    return await renderAccountRows(ctx, entries);
  });

  app.get('/api/v1/domain_blocks', { preHandler: authorize({ scopes: ['read:blocks'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const page = pageRequest(request, 100, 200);
    const rows = await queryRows<{ id: string; domain: string }>(
      ctx.db,
      sql`SELECT d.id::text AS id, d.domain FROM account_domain_blocks d WHERE d.account_id = ${account.id} AND ${pageCondition(sql`d.id`, page)}
          ORDER BY ${pageOrder(sql`d.id`, page)} LIMIT ${page.limit}`,
    );
    const ordered = finishPage(rows, page);
    setLinkHeader(ctx.config, request, reply, ordered.map((row) => row.id));
    return ordered.map((row) => row.domain);
  });

  /** What blocking a domain would sever: the member's follows of accounts there and followers from there. */
  app.get('/api/v1/domain_blocks/preview', { preHandler: authorize({ scopes: ['read:blocks'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const domain = normalizeDomain(text(params(request).domain) ?? '');
    const [row] = await queryRows<{ following_count: string | number; followers_count: string | number }>(
      ctx.db,
      sql`SELECT
            (SELECT count(*) FROM follows f JOIN accounts a ON a.id = f.target_account_id WHERE f.account_id = ${account.id} AND lower(a.domain) = ${domain}) AS following_count,
            (SELECT count(*) FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ${account.id} AND lower(a.domain) = ${domain}) AS followers_count`,
    );
    return { following_count: Number(row?.following_count ?? 0), followers_count: Number(row?.followers_count ?? 0) };
  });

  app.post('/api/v1/domain_blocks', { preHandler: authorize({ scopes: ['write:blocks'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    await blockDomain(ctx, account.id, text(params(request).domain) ?? '');
    return {};
  });

  app.delete('/api/v1/domain_blocks', { preHandler: authorize({ scopes: ['write:blocks'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    await unblockDomain(ctx, account.id, text(params(request).domain) ?? '');
    return {};
  });
}
