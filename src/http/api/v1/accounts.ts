import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { notFound } from '../../../lib/errors.ts';
import { serializeCredentialAccount } from '../../../serializers/account.ts';
import { emojisOfAccounts } from '../../../presenters/account-emojis.ts';
import { renderAccount } from '../../../presenters/accounts.ts';
import type { AccountRow, UserRow } from '../../../services/oauth/authenticate-token.ts';
import { serializeRelationship } from '../../../serializers/relationship.ts';
import { findAccountById, lookupAccount } from '../../../services/accounts/account-lookup.ts';
import { followRequestsCount, updateCredentials, type CredentialsUpdate } from '../../../services/accounts/credentials.ts';
import { renderToken } from '../../../serializers/token.ts';
import { registerAccount } from '../../../services/accounts/register-account.ts';
import { relationshipsWith } from '../../../services/relationships/relationships.ts';
import { parseScopes } from '../../../services/oauth/scopes.ts';
import { authorize, authorizeIfToken, currentUser } from '../../plugins/auth.ts';
import { listEntries } from '../../params.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';
import { renderMovedTo } from '../../../presenters/moved-accounts.ts';

/** The signed-in member's own Account (CredentialAccount), with what it moved to and its custom emoji. */
async function renderCredentials(ctx: AppContext, account: AccountRow, user: UserRow) {
  const [requests, moved, emojis] = await Promise.all([followRequestsCount(ctx, account.id), renderMovedTo(ctx, account), emojisOfAccounts(ctx, [account])]);
  return serializeCredentialAccount(ctx, account, user, requests, moved, emojis.get(account.id));
}

/** `fields_attributes` comes as an array, or as a hash keyed by position (`fields_attributes[0][name]`). */
function profileFields(value: unknown): { name: string; value: string }[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const entries = listEntries(value);
  return entries
    .filter((entry): entry is Record<string, unknown> => entry !== null && typeof entry === 'object' && !Array.isArray(entry))
    .map((entry) => ({ name: text(entry.name) ?? '', value: text(entry.value) ?? '' }));
}

/** Paperclip's DataUriAdapter: an image sent inline, as `data:image/png;base64,…`. */
const DATA_URI = /^data:([-\w]+\/[-\w+.]+)?;base64,(.*)$/s;

/**
 * `avatar` and `header` as Rails and Paperclip read them: a multipart file's bytes, a data URI's,
 * null to remove the image; absent, blank (a form's file input left empty) or a list or hash (not
 * permitted) leave it as it is. Any other text is not a file (422).
 */
async function imageParam(value: unknown): Promise<Buffer | null | undefined> {
  if (value === null) return null;
  if (typeof value === 'string') {
    if (value === '') return undefined;
    const inline = DATA_URI.exec(value);
    if (inline) return Buffer.from(inline[2]!, 'base64');
    return Buffer.alloc(0); // refused by processing as an invalid type, with Mastodon's message
  }
  const file = value as { type?: string; filename?: string; toBuffer?: () => Promise<Buffer> } | undefined;
  if (file?.type !== 'file' || typeof file.toBuffer !== 'function') return undefined;
  const bytes = await file.toBuffer();
  return bytes.length === 0 && !file.filename ? undefined : bytes;
}

async function credentialsUpdate(input: Record<string, unknown>): Promise<CredentialsUpdate> {
  const update: CredentialsUpdate = {};
  if (input.display_name !== undefined) update.displayName = text(input.display_name) ?? (input.display_name === null ? '' : undefined);
  if (input.note !== undefined) update.note = text(input.note) ?? (input.note === null ? '' : undefined);
  const locked = railsBoolean(input.locked);
  if (typeof locked === 'boolean') update.locked = locked;
  const bot = railsBoolean(input.bot);
  if (typeof bot === 'boolean') update.bot = bot;
  const indexable = railsBoolean(input.indexable);
  if (typeof indexable === 'boolean') update.indexable = indexable;
  const discoverable = railsBoolean(input.discoverable);
  if (discoverable !== undefined) update.discoverable = discoverable;
  const hideCollections = railsBoolean(input.hide_collections);
  if (hideCollections !== undefined) update.hideCollections = hideCollections;
  if (input.fields_attributes !== undefined) update.fields = profileFields(input.fields_attributes);
  const avatar = await imageParam(input.avatar);
  if (avatar !== undefined) update.avatar = avatar;
  const header = await imageParam(input.header);
  if (header !== undefined) update.header = header;
  if (input.avatar_description !== undefined) update.avatarDescription = text(input.avatar_description) ?? '';
  if (input.header_description !== undefined) update.headerDescription = text(input.header_description) ?? '';
  const source = input.source;
  if (source && typeof source === 'object' && !Array.isArray(source)) {
    const given = source as Record<string, unknown>;
    update.source = {};
    if (given.privacy !== undefined) update.source.privacy = text(given.privacy) ?? '';
    const sensitive = railsBoolean(given.sensitive);
    if (typeof sensitive === 'boolean') update.source.sensitive = sensitive;
    if (given.language !== undefined) update.source.language = given.language === null ? null : (text(given.language) ?? '');
  }
  return update;
}

const LOCALE_PATTERN = /^[a-z]{2,3}([-_][a-z0-9]{2,8})?$/i;

export function accountsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/accounts', { preHandler: authorize({ scopes: ['write:accounts'] }) }, async (request) => {
    const auth = request.auth!;
    const input = params(request);
    const locale = text(input.locale);
    const token = await registerAccount(ctx, auth.application, auth.application ? parseScopes(auth.application.scopes) : auth.scopes, {
      username: text(input.username)?.trim() ?? '',
      // Devise strips and downcases e-mail addresses before validating them.
      email: text(input.email)?.trim().toLowerCase() ?? '',
      password: text(input.password) ?? '',
      agreement: [true, 1, 'true', '1'].includes(input.agreement as never),
      locale: locale && LOCALE_PATTERN.test(locale) ? locale : null,
      reason: text(input.reason) ?? null,
      inviteCode: text(input.invite_code)?.trim() || null,
      ip: request.ip,
    });
    return renderToken(token);
  });

  app.get('/api/v1/accounts/verify_credentials', { preHandler: authorize({ scopes: ['read:accounts', 'profile'], user: true }) }, async (request) => {
    const { user, account } = currentUser(request);
    return renderCredentials(ctx, account, user);
  });

  app.patch('/api/v1/accounts/update_credentials', { preHandler: authorize({ scopes: ['write:accounts'], user: true }) }, async (request) => {
    const current = currentUser(request);
    const { account, user } = await updateCredentials(ctx, current, await credentialsUpdate(params(request)));
    return renderCredentials(ctx, account, user);
  });

  app.get('/api/v1/accounts/lookup', { preHandler: authorizeIfToken(['read:accounts']) }, async (request) => {
    const acct = text(params(request).acct);
    const found = acct ? await lookupAccount(ctx, acct) : undefined;
    if (!found) throw notFound();
    return renderAccount(ctx, found.account, found.user);
  });

  app.get('/api/v1/accounts/relationships', { preHandler: authorize({ scopes: ['read:follows'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const input = params(request);
    const ids = listEntries(input.id === undefined || input.id === null ? [input.id] : input.id).map((id) => text(id) ?? '');
    const relationships = await relationshipsWith(ctx, account.id, ids, {
      withSuspended: railsBoolean(input.with_suspended) === true,
    });
    return relationships.map(serializeRelationship);
  });

  app.get('/api/v1/accounts/:id', { preHandler: authorizeIfToken(['read:accounts']) }, async (request) => {
    const found = await findAccountById(ctx, (request.params as { id: string }).id);
    if (!found) throw notFound();
    return renderAccount(ctx, found.account, found.user);
  });
}
