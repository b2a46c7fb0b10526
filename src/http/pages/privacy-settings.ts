import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { railsBoolean } from '../../lib/rails-params.ts';
import { updateCredentials, type CredentialsUpdate } from '../../services/accounts/credentials.ts';
import { params } from '../plugins/params.ts';
import { csrfToken, verifyCsrf } from '../plugins/session.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { nested } from '../auth/form-input.ts';
import { renderPage, signedIn } from './member-page.ts';

const PRIVACY_PATH = '/settings/privacy';

/** A Rails check box: the hidden 0 goes with the form when the box is not ticked. */
function checkbox(name: string, id: string, label: string, hint: string, checked: boolean): SafeHtml {
  return html`<div class="checkbox"><input type="hidden" name="${name}" value="0"><input type="checkbox" id="${id}" name="${name}" value="1"${checked ? html` checked` : ''}><label for="${id}">${label}</label><p class="hint">${hint}</p></div>`;
}

/** A ticked (true) or unticked (false) box of the form; undefined when the form did not carry it. */
const ticked = (value: unknown) => {
  const parsed = railsBoolean(value);
  return typeof parsed === 'boolean' ? parsed : undefined;
};

/**
 * Privacy and reach (Mastodon's Settings::PrivacyController at `/settings/privacy`): whether the
 * profile is featured in discovery, follow requests, public posts in full-text search, the profile
 * page in search engines (Mastodon's `noindex` user setting, shown as its inverse), and the follows
 * and followers on the profile. Saved like update_credentials: other servers get the Update.
 */
export function privacySettingsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PRIVACY_PATH, async (request, reply) => {
    const session = await signedIn(ctx, request, reply, PRIVACY_PATH);
    if (!session) return reply;
    const { account } = session;
    return renderPage(
      ctx,
      reply,
      200,
      'Privacy and reach',
      html`<form method="post" action="${PRIVACY_PATH}">
<input type="hidden" name="authenticity_token" value="${csrfToken(ctx, request, reply)}">
<input type="hidden" name="_method" value="put">
<fieldset><legend>Reach</legend>
${checkbox('account[discoverable]', 'account_discoverable', 'Feature profile and posts in discovery algorithms', 'Your profile and public posts may be featured or recommended in various areas of Mastodon and your profile may be suggested to other users.', account.discoverable === true)}
${checkbox('account[unlocked]', 'account_unlocked', 'Automatically accept new followers', 'Leave unticked to review follow requests and choose whether to accept or reject new followers.', !account.locked)}
</fieldset>
<fieldset><legend>Search</legend>
${checkbox('account[indexable]', 'account_indexable', 'Include public posts in search results', 'Your public posts may appear in search results on this server.', account.indexable)}
${checkbox('account[settings][indexable]', 'account_settings_indexable', 'Include profile page in search engines', 'Your profile page and public posts may appear in search results on Google, Bing, and others.', !account.noindex)}
</fieldset>
<fieldset><legend>Privacy</legend>
${checkbox('account[show_collections]', 'account_show_collections', 'Show follows and followers on profile', 'People will be able to browse through your follows and followers.', account.hideCollections !== true)}
</fieldset>
<button type="submit">Save changes</button>
</form>`,
    );
  });

  const save = async (request: FastifyRequest, reply: FastifyReply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const session = await signedIn(ctx, request, reply, PRIVACY_PATH);
    if (!session) return reply;
    const form = nested(input.account);
    const settings = nested(form.settings);
    const changes: CredentialsUpdate = {};
    const unlocked = ticked(form.unlocked);
    const showCollections = ticked(form.show_collections);
    // Mastodon's form sends the inverse of `noindex` (UserSettings' setting_inverse_alias); `noindex` itself is taken too
    const noindex = ticked(settings.noindex);
    const profileIndexed = ticked(settings.indexable) ?? (noindex === undefined ? undefined : !noindex);
    changes.discoverable = ticked(form.discoverable);
    changes.indexable = ticked(form.indexable);
    if (unlocked !== undefined) changes.locked = !unlocked;
    if (showCollections !== undefined) changes.hideCollections = !showCollections;
    if (profileIndexed !== undefined) changes.noindex = !profileIndexed;
    await updateCredentials(ctx, session, changes);
    return reply.redirect(PRIVACY_PATH, 303);
  };
  app.post(PRIVACY_PATH, save);
  app.put(PRIVACY_PATH, save);
}
