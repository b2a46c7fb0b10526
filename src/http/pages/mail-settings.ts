import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { PERMISSIONS, hasPermission } from '../../lib/user-roles.ts';
import { railsBoolean, text } from '../../lib/rails-params.ts';
import { NOTIFICATION_EMAIL_TYPES, type NotificationEmailType, notificationEmailSettings, setNotificationEmails } from '../../services/accounts/notification-emails.ts';
import { MAIL_SETTINGS_PATH } from '../../services/mail/compose-mail.ts';
import { isNotificationEmailType, UNSUBSCRIBE_PATH, unsubscribe, unsubscribingUser } from '../../services/mail/unsubscribe.ts';
import { params } from '../plugins/params.ts';
import { csrfToken, verifyCsrf } from '../plugins/session.ts';
import { html } from '../views/html.ts';
import { nested } from '../auth/form-input.ts';
import { renderPage, signedIn } from './member-page.ts';

/** Mastodon's labels for each setting (simple_form's user.settings.notification_emails hints), and what one-click unsubscribing names them. */
const LABELS: Record<NotificationEmailType, { label: string; mails: string }> = {
  follow: { label: 'Someone followed you', mails: 'follow notification e-mails' },
  follow_request: { label: 'Someone requested to follow you', mails: 'follow request e-mails' },
  mention: { label: 'Someone mentioned you', mails: 'mention notification e-mails' },
  favourite: { label: 'Someone favorited your post', mails: 'favorite notification e-mails' },
  reblog: { label: 'Someone boosted your post', mails: 'boost notification e-mails' },
  report: { label: 'A new report is submitted', mails: 'new report e-mails' },
  pending_account: { label: 'A new account needs review', mails: 'new account review e-mails' },
};

/** Staff see the kinds about their work only when their role lets them act on it. */
const STAFF_PERMISSION: Partial<Record<NotificationEmailType, number>> = { report: PERMISSIONS.manageReports, pending_account: PERMISSIONS.manageUsers };

const fieldName = (type: NotificationEmailType) => `user[settings_attributes][notification_emails.${type}]`;

/**
 * A member's e-mail notification settings (Mastodon's Settings::Preferences::NotificationsController
 * at `/settings/preferences/notifications`), and one-click unsubscribing from the links in the
 * mails (MailSubscriptionsController at `/unsubscribe`, RFC 8058: a POST with the link's token
 * switches the kind off, no sign-in or CSRF token needed, as a mail provider sends it).
 */
export function mailSettingsRoutes(app: FastifyInstance, ctx: AppContext) {
  async function settingsPage(request: FastifyRequest, reply: FastifyReply, status = 200, notice?: string) {
    const session = await signedIn(ctx, request, reply, MAIL_SETTINGS_PATH);
    if (!session) return reply;
    const { emails, always } = notificationEmailSettings(session.user.settings);
    const shown = NOTIFICATION_EMAIL_TYPES.filter((type) => STAFF_PERMISSION[type] === undefined || hasPermission(session.user.role, STAFF_PERMISSION[type]!));
    const checkbox = (name: string, id: string, label: string, checked: boolean) =>
      html`<div class="checkbox"><input type="hidden" name="${name}" value="0"><input type="checkbox" id="${id}" name="${name}" value="1"${checked ? html` checked` : ''}><label for="${id}">${label}</label></div>`;
    return renderPage(
      ctx,
      reply,
      status,
      'Notifications',
      html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<form method="post" action="${MAIL_SETTINGS_PATH}">
<input type="hidden" name="authenticity_token" value="${csrfToken(ctx, request, reply)}">
<input type="hidden" name="_method" value="put">
<fieldset><legend>E-mail notifications: send an e-mail when…</legend>
${shown.map((type) => checkbox(fieldName(type), `notification_emails_${type}`, LABELS[type].label, emails[type]))}
</fieldset>
${checkbox('user[settings_attributes][always_send_emails]', 'always_send_emails', 'Always send e-mail notifications, even while I am active on the site', always)}
<button type="submit">Save changes</button>
</form>`,
    );
  }

  app.get(MAIL_SETTINGS_PATH, (request, reply) => settingsPage(request, reply));

  const save = async (request: FastifyRequest, reply: FastifyReply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const session = await signedIn(ctx, request, reply, MAIL_SETTINGS_PATH);
    if (!session) return reply;
    const form = nested(nested(input.user).settings_attributes);
    const changes: Partial<Record<NotificationEmailType, boolean>> = {};
    for (const type of NOTIFICATION_EMAIL_TYPES) {
      const value = railsBoolean(form[`notification_emails.${type}`]);
      if (typeof value === 'boolean') changes[type] = value;
    }
    const always = railsBoolean(form.always_send_emails);
    await setNotificationEmails(ctx, session.user.id, changes, typeof always === 'boolean' ? always : undefined);
    return reply.redirect(MAIL_SETTINGS_PATH, 303);
  };
  app.post(MAIL_SETTINGS_PATH, save);
  app.put(MAIL_SETTINGS_PATH, save);

  const notFound = (reply: FastifyReply) => renderPage(ctx, reply, 404, 'Not found', html`<p>This unsubscribe link is invalid.</p>`);

  app.get(UNSUBSCRIBE_PATH, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const token = text(query.token) ?? '';
    const type = query.type;
    const user = isNotificationEmailType(type) ? await unsubscribingUser(ctx, token) : undefined;
    if (!user || !isNotificationEmailType(type)) return notFound(reply);
    return renderPage(
      ctx,
      reply,
      200,
      'Unsubscribe',
      html`<p>Are you sure you want to unsubscribe from receiving ${LABELS[type].mails} for ${ctx.config.localDomain} to your e-mail at ${user.email}? You can always re-subscribe from your <a href="${MAIL_SETTINGS_PATH}">e-mail notification settings</a>.</p>
<form method="post" action="${UNSUBSCRIBE_PATH}"><input type="hidden" name="token" value="${token}"><input type="hidden" name="type" value="${type}"><button type="submit">Yes, unsubscribe</button></form>`,
    );
  });

  app.post(UNSUBSCRIBE_PATH, async (request, reply) => {
    const input = params(request);
    const token = text(input.token) ?? '';
    const type = input.type;
    if (!isNotificationEmailType(type)) return notFound(reply);
    const user = await unsubscribe(ctx, token, type);
    if (!user) return notFound(reply);
    return renderPage(
      ctx,
      reply,
      200,
      'Unsubscribed',
      html`<p>You'll no longer receive ${LABELS[type].mails} for ${ctx.config.localDomain} to your e-mail at ${user.email}.</p><p>If you've unsubscribed by mistake, you can re-subscribe from your <a href="${MAIL_SETTINGS_PATH}">e-mail notification settings</a>.</p>`,
    );
  });
}
