import { and, eq, isNull, min, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { oauthAccessTokens, oauthApplications } from '../../db/schema.ts';
import { ApiError } from '../../lib/errors.ts';
import { revokeTokensOfUserApplication } from './tokens.ts';

export interface AuthorizedApplication {
  id: string;
  name: string;
  website: string | null;
  /** the scopes of all its live tokens */
  scopes: string[];
  /** when the member first gave it a token still live */
  authorizedAt: Date;
  /** first-party (the instance's own web client): listed, but not revoked from here, as in Mastodon */
  superapp: boolean;
}

/** The apps a member has live (unrevoked) tokens for: Doorkeeper's authorized applications. */
export async function authorizedApplications(ctx: AppContext, userId: string): Promise<AuthorizedApplication[]> {
  const rows = await ctx.db
    .select({
      id: oauthApplications.id,
      name: oauthApplications.name,
      website: oauthApplications.website,
      superapp: oauthApplications.superapp,
      scopes: sql<string>`string_agg(${oauthAccessTokens.scopes}, ' ')`,
      authorizedAt: min(oauthAccessTokens.createdAt),
    })
    .from(oauthAccessTokens)
    .innerJoin(oauthApplications, eq(oauthApplications.id, oauthAccessTokens.applicationId))
    .where(and(eq(oauthAccessTokens.userId, userId), isNull(oauthAccessTokens.revokedAt)))
    .groupBy(oauthApplications.id)
    .orderBy(oauthApplications.name, oauthApplications.id);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    website: row.website,
    superapp: row.superapp,
    scopes: [...new Set(row.scopes.split(' ').filter(Boolean))].sort(),
    authorizedAt: new Date(row.authorizedAt!),
  }));
}

/** Revokes every token the member gave this app; 404 when the member has authorized no such app, 403 for a first-party app. */
export async function revokeAuthorizedApplication(ctx: AppContext, userId: string, applicationId: string): Promise<void> {
  const app = (await authorizedApplications(ctx, userId)).find((candidate) => candidate.id === applicationId);
  if (!app) throw new ApiError(404, 'Record not found');
  if (app.superapp) throw new ApiError(403, 'This application cannot be revoked');
  await revokeTokensOfUserApplication(ctx, userId, applicationId);
}
