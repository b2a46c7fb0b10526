import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { AccountRow } from '../../services/oauth/authenticate-token.ts';
import { accountsInOrder } from '../../services/accounts/account-pages.ts';
import { federationCode } from '../federation-code.ts';
import { addAlias, cancelMove, listAliases, MoveValidationError, moveAccount, removeAlias } from '../../services/accounts/move-account.ts';
import { params, text } from '../plugins/params.ts';
import { csrfToken, verifyCsrf } from '../plugins/session.ts';
import { renderPage as render, signedIn } from './member-page.ts';
import { html, type SafeHtml } from '../views/html.ts';

/**
 * Mastodon's account-migration settings, which it offers only as web forms (there is no REST API
 * for them): `/settings/aliases` (Settings::AliasesController: the accounts this one is also known
 * as, so they may move here) and `/settings/migration` (Settings::MigrationsController: move this
 * account to another, confirmed with the password; `/settings/migration/cancel` removes the
 * redirect). They use the browser session and the CSRF token of the sign-in page.
 */

const FIELD_LABELS: Record<string, string> = { acct: 'Handle', current_password: 'Current password', base: '' };

function errorList(error: MoveValidationError): SafeHtml {
  return html`<div class="error" role="alert">${error.errors.map((item) => html`<p>${FIELD_LABELS[item.field] ? `${FIELD_LABELS[item.field]} ${item.message}` : item.message}</p>`)}</div>`;
}

async function aliasesPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, account: AccountRow, status = 200, error?: MoveValidationError, acct = '') {
  const csrf = csrfToken(ctx, request, reply);
  const aliases = await listAliases(ctx, account);
  return render(
    ctx,
    reply,
    status,
    'Account aliases',
    html`<p>To move from another account to this one, first create an alias here naming that account (<code>username@domain</code>).</p>
${error ? errorList(error) : ''}
<form method="post" action="/settings/aliases">
<input type="hidden" name="authenticity_token" value="${csrf}">
<label for="acct">Handle of the old account</label>
<input id="acct" type="text" name="account_alias[acct]" value="${acct}" required>
<button type="submit">Create alias</button>
</form>
<ul class="aliases">${aliases.map(
      (alias) => html`<li><span class="alias" data-uri="${alias.uri}">${alias.acct ?? alias.uri}</span>
<form method="post" action="/settings/aliases/delete"><input type="hidden" name="authenticity_token" value="${csrf}"><input type="hidden" name="alias" value="${alias.uri}"><button class="secondary" type="submit">Unlink alias</button></form></li>`,
    )}</ul>`,
  );
}

async function migrationPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, account: AccountRow, status = 200, error?: MoveValidationError, acct = '') {
  const csrf = csrfToken(ctx, request, reply);
  const [moved] = account.movedToAccountId ? (await accountsInOrder(ctx, [account.movedToAccountId])).map((found) => found.account) : [];
  const movedAcct = moved ? (moved.domain ? `${moved.username}@${moved.domain}` : `${moved.username}@${ctx.config.localDomain}`) : null;
  return render(
    ctx,
    reply,
    status,
    'Account migration',
    html`${movedAcct ? html`<p class="moved">Your account is redirecting to <strong>${movedAcct}</strong>.</p>` : html`<p>Your account is not currently being redirected to any other account.</p>`}
${error ? errorList(error) : ''}
<form method="post" action="/settings/migration">
<input type="hidden" name="authenticity_token" value="${csrf}">
<label for="acct">Handle of the new account</label>
<input id="acct" type="text" name="account_migration[acct]" value="${acct}" required>
<label for="current_password">Current password</label>
<input id="current_password" type="password" name="account_migration[current_password]" autocomplete="current-password" required>
<button type="submit">Move to a different account</button>
</form>
${movedAcct ? html`<form method="post" action="/settings/migration/cancel"><input type="hidden" name="authenticity_token" value="${csrf}"><button class="secondary" type="submit">Cancel redirect</button></form>` : ''}`,
  );
}

const nested = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

export function settingsMigrationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/settings/aliases', async (request, reply) => {
    const session = await signedIn(ctx, request, reply, '/settings/aliases');
    if (!session) return reply;
    return aliasesPage(ctx, request, reply, session.account);
  });

  app.post('/settings/aliases', async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const session = await signedIn(ctx, request, reply, '/settings/aliases');
    if (!session) return reply;
    const acct = text(nested(input.account_alias).acct) ?? '';
    try {
      await addAlias(ctx, session.account, acct, async (handle) => (await federationCode()).resolveFresh(ctx, handle));
    } catch (error) {
      if (!(error instanceof MoveValidationError)) throw error;
      return aliasesPage(ctx, request, reply, session.account, 422, error, acct);
    }
    return reply.redirect('/settings/aliases', 303);
  });

  app.post('/settings/aliases/delete', async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const session = await signedIn(ctx, request, reply, '/settings/aliases');
    if (!session) return reply;
    const removed = await removeAlias(ctx, session.account, text(input.alias) ?? '');
    if (!removed) return render(ctx, reply, 404, 'Not found', html`<p>That alias does not exist.</p>`);
    return reply.redirect('/settings/aliases', 303);
  });

  app.get('/settings/migration', async (request, reply) => {
    const session = await signedIn(ctx, request, reply, '/settings/migration');
    if (!session) return reply;
    return migrationPage(ctx, request, reply, session.account);
  });

  app.post('/settings/migration', async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const session = await signedIn(ctx, request, reply, '/settings/migration');
    if (!session) return reply;
    const form = nested(input.account_migration);
    const acct = text(form.acct) ?? '';
    try {
      await moveAccount(ctx, session.account, session.user, { acct, currentPassword: text(form.current_password) ?? '' }, async (handle) => (await federationCode()).resolveFresh(ctx, handle));
    } catch (error) {
      if (!(error instanceof MoveValidationError)) throw error;
      return migrationPage(ctx, request, reply, session.account, 422, error, acct);
    }
    return reply.redirect('/settings/migration', 303);
  });

  app.post('/settings/migration/cancel', async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const session = await signedIn(ctx, request, reply, '/settings/migration');
    if (!session) return reply;
    await cancelMove(ctx, session.account);
    return reply.redirect('/settings/migration', 303);
  });
}
