import { isIP } from 'node:net';
import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { alias } from 'drizzle-orm/pg-core';
import { accounts, type AccountRow } from '../../db/schema.ts';
import { ApiError } from '../../lib/errors.ts';
import { ROLES, isRole } from '../../lib/user-roles.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';

/** Mastodon's AccountFilter keys (`GET /api/v2/admin/accounts`). */
export interface AccountFilter {
  origin?: string;
  status?: string;
  permissions?: string;
  roleIds?: string[];
  invitedBy?: string;
  username?: string;
  displayName?: string;
  byDomain?: string;
  email?: string;
  ip?: string;
}

const ORIGINS = ['local', 'remote'];
const STATUSES = ['active', 'pending', 'disabled', 'silenced', 'suspended', 'sensitized'];

/** `value%`, with LIKE's own characters taken literally. */
const prefix = (value: string) => `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const anywhere = (value: string) => `%${prefix(value)}`;

/** An address or a CIDR range, as PostgreSQL's inet takes it. */
function validAddress(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  if (rest.length || !address || !isIP(address)) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128));
}

const user = (condition: SQL) => sql`EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id AND ${condition})`;

/** The SQL condition on accounts `a` for each filter given (AccountFilter#scope_for). */
function conditions(filter: AccountFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.origin === 'local') where.push(sql`a.domain IS NULL`);
  else if (filter.origin === 'remote') where.push(sql`a.domain IS NOT NULL`);
  switch (filter.status) {
    case 'active':
      where.push(sql`a.suspended_at IS NULL`);
      break;
    case 'silenced':
      where.push(sql`a.silenced_at IS NOT NULL`);
      break;
    case 'suspended':
      where.push(sql`a.suspended_at IS NOT NULL`);
      break;
    case 'sensitized':
      where.push(sql`a.sensitized_at IS NOT NULL`);
      break;
    case 'disabled':
      where.push(sql`a.suspended_at IS NULL`, user(sql`u.disabled`));
      break;
    case 'pending':
      where.push(sql`a.suspended_at IS NULL`, user(sql`NOT u.approved`));
      break;
  }
  if (filter.permissions === 'staff') where.push(user(sql`u.role IS NOT NULL`));
  if (filter.roleIds?.length) {
    const names = Object.values(ROLES)
      .filter((role) => filter.roleIds!.includes(role.id))
      .map((role) => role.name)
      .filter(isRole);
    where.push(
      names.length
        ? user(
            sql`u.role IN (${sql.join(
              names.map((name) => sql`${name}`),
              sql`, `,
            )})`,
          )
        : sql`FALSE`,
    );
  }
  // as Mastodon's AccountFilter: the value is the inviting *user*'s id (Invite#user_id)
  if (filter.invitedBy) {
    where.push(/^\d{1,19}$/.test(filter.invitedBy) ? user(sql`u.invite_id IN (SELECT i.id FROM invites i WHERE i.user_id = ${filter.invitedBy})`) : sql`FALSE`);
  }
  if (filter.username) where.push(sql`a.username ILIKE ${prefix(filter.username.trim())}`);
  if (filter.displayName) where.push(sql`a.display_name ILIKE ${anywhere(filter.displayName.trim())}`);
  if (filter.byDomain) where.push(sql`lower(a.domain) = lower(${filter.byDomain.trim()})`);
  if (filter.email) where.push(user(sql`u.email ILIKE ${prefix(filter.email.trim())}`));
  if (filter.ip) {
    const range = filter.ip.trim();
    where.push(
      user(sql`(u.sign_up_ip IS NOT NULL AND u.sign_up_ip::inet <<= ${range}::inet
                OR EXISTS (SELECT 1 FROM session_activations sa WHERE sa.user_id = u.id AND sa.ip IS NOT NULL AND sa.ip::inet <<= ${range}::inet))`),
    );
  }
  return where;
}

/** Refuses, with 400 as Mastodon's InvalidParameterError, an unknown origin, status or permissions, or a malformed address. */
function validate(filter: AccountFilter): void {
  if (filter.origin && !ORIGINS.includes(filter.origin)) throw new ApiError(400, `Unknown origin: ${filter.origin}`);
  if (filter.status && !STATUSES.includes(filter.status)) throw new ApiError(400, `Unknown status: ${filter.status}`);
  if (filter.permissions && filter.permissions !== 'staff') throw new ApiError(400, `Unknown permissions: ${filter.permissions}`);
  if (filter.ip && !validAddress(filter.ip.trim())) throw new ApiError(400, `Invalid IP address: ${filter.ip}`);
}

/** A page of accounts matching `filter`, newest first (AccountFilter#results with the admin pagination). */
export async function filterAccounts(ctx: AppContext, filter: AccountFilter, page: Page): Promise<AccountRow[]> {
  validate(filter);
  const where = sql.join([pageCondition(sql`a.id`, page), ...conditions(filter)], sql` AND `);
  const rows = await ctx.db.select().from(alias(accounts, 'a')).where(where).orderBy(pageOrder(sql`a.id`, page)).limit(page.limit);
  return finishPage(rows, page);
}
