import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { notFound } from '../../../lib/errors.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { recordStaffAction } from '../../../services/moderation/audit-log.ts';
import {
  allAnnouncements,
  announcementProblems,
  createAnnouncement,
  deleteAnnouncement,
  publishAnnouncement,
  unpublishAnnouncement,
  type AnnouncementRow,
  type NewAnnouncement,
} from '../../../services/instance/announcements.ts';
import { railsBoolean, text } from '../../plugins/params.ts';
import { buttonForm, day } from '../../views/admin/layout.ts';
import { html } from '../../views/html.ts';
import { renderStaffPage, staffAction, staffForm, staffView, type StaffPage } from './staff-page.ts';

const PATH = '/admin/announcements';
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const excerpt = (value: string) => (value.length > 60 ? `${value.slice(0, 60)}…` : value);

/** A date field (`datetime-local` sends no zone: read as UTC); null when blank, a problem when unreadable. */
function dateField(value: unknown, label: string, problems: string[]): Date | null {
  const given = text(value)?.trim();
  if (!given) return null;
  const date = new Date(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(given) ? `${given}Z` : given);
  if (!/^\d{4}-\d{2}-\d{2}/.test(given) || Number.isNaN(date.getTime())) {
    problems.push(`${label} is not a date`);
    return null;
  }
  return date;
}

/** The form's fields as the service takes them, with the problems that keep it from being saved. */
function announcementInput(input: Record<string, unknown>): { announcement: NewAnnouncement; problems: string[] } {
  const problems: string[] = [];
  const announcement: NewAnnouncement = {
    text: text(input.text) ?? '',
    startsAt: dateField(input.starts_at, 'Starts at', problems),
    endsAt: dateField(input.ends_at, 'Ends at', problems),
    allDay: railsBoolean(input.all_day) === true,
    scheduledAt: dateField(input.scheduled_at, 'Scheduled at', problems),
  };
  return { announcement, problems: [...problems, ...announcementProblems(announcement)] };
}

function state(row: AnnouncementRow): string {
  if (row.published) return `Published ${day(row.publishedAt)}`;
  return row.scheduledAt ? `Scheduled for ${row.scheduledAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'Not published';
}

async function listPage(ctx: AppContext, reply: FastifyReply, staff: StaffPage, problems: string[] = [], values: Record<string, unknown> = {}) {
  const rows = await allAnnouncements(ctx);
  const csrf = html`<input type="hidden" name="authenticity_token" value="${staff.csrf}">`;
  const value = (name: string) => text(values[name]) ?? '';
  const body = html`${
    rows.length
      ? html`<table><thead><tr><th scope="col">Text</th><th scope="col">State</th><th scope="col">Starts</th><th scope="col">Ends</th><th scope="col">Actions</th></tr></thead><tbody>${rows.map(
          (row) => html`<tr><td>${row.text}</td><td>${state(row)}</td><td>${day(row.startsAt)}</td><td>${day(row.endsAt)}${row.allDay ? ' (all day)' : ''}</td>
<td>${row.published ? buttonForm(`${PATH}/${row.id}/unpublish`, staff.csrf, 'Unpublish', { secondary: true }) : buttonForm(`${PATH}/${row.id}/publish`, staff.csrf, 'Publish')}${buttonForm(`${PATH}/${row.id}/delete`, staff.csrf, 'Delete', { secondary: true })}</td></tr>`,
        )}</tbody></table>`
      : html`<p>No announcements.</p>`
  }
<section aria-labelledby="new-announcement-heading"><h2 id="new-announcement-heading">New announcement</h2>
${problems.length ? html`<div class="error" role="alert"><ul>${problems.map((problem) => html`<li>${problem}</li>`)}</ul></div>` : ''}
<form method="post" action="${PATH}">${csrf}
<label for="announcement-text">Text</label><textarea id="announcement-text" name="text" required>${value('text')}</textarea>
<label for="announcement-starts-at">Starts at (UTC, optional)</label><input id="announcement-starts-at" type="datetime-local" name="starts_at" value="${value('starts_at')}">
<label for="announcement-ends-at">Ends at (UTC, optional)</label><input id="announcement-ends-at" type="datetime-local" name="ends_at" value="${value('ends_at')}">
<label><input type="checkbox" name="all_day" value="1"${railsBoolean(values.all_day) === true ? html` checked` : ''}> All-day event</label>
<label for="announcement-scheduled-at">Publish at (UTC; blank publishes now)</label><input id="announcement-scheduled-at" type="datetime-local" name="scheduled_at" value="${value('scheduled_at')}">
<button type="submit">Create announcement</button></form></section>`;
  return renderStaffPage(ctx, reply, staff, 'Announcements', body, problems.length ? 422 : 200);
}

/**
 * `/admin/announcements` (Admin::AnnouncementsController): every announcement with its state, a form
 * to write one (published now or at its scheduled time), publish, unpublish and delete; the same
 * services as `subspace announcements`, so members' streams hear of it the same way.
 */
export function staffAnnouncementsRoutes(app: FastifyInstance, ctx: AppContext) {
  const permission = PERMISSIONS.manageAnnouncements;

  app.get(PATH, (request, reply) => staffView(ctx, request, reply, permission, (staff) => listPage(ctx, reply, staff)));

  // as staffAction, but invalid input shows the form again with its problems (Rails' `render :new`, 422)
  app.post(PATH, async (request, reply) => {
    const form = await staffForm(ctx, request, reply, permission);
    if (!form) return;
    const { staff, input } = form;
    const { announcement, problems } = announcementInput(input);
    if (problems.length) return listPage(ctx, reply, staff, problems, input);
    const created = await createAnnouncement(ctx, announcement);
    await recordStaffAction(ctx, { accountId: staff.account.id, action: 'create', targetType: 'Announcement', targetId: created.id, summary: `created announcement "${excerpt(created.text)}"` });
    return reply.redirect(PATH, 303);
  });

  const change = (verb: 'publish' | 'unpublish' | 'delete') =>
    app.post(`${PATH}/:id/${verb}`, (request, reply) =>
      staffAction(ctx, request, reply, permission, async (staff) => {
        const id = idOf(request);
        if (!/^\d{1,19}$/.test(id)) throw notFound();
        const outcome = verb === 'publish' ? await publishAnnouncement(ctx, id) : verb === 'unpublish' ? await unpublishAnnouncement(ctx, id) : await deleteAnnouncement(ctx, id);
        if (!outcome) throw notFound();
        if (outcome === true || outcome.changed)
          await recordStaffAction(ctx, {
            accountId: staff.account.id,
            action: verb === 'delete' ? 'destroy' : verb,
            targetType: 'Announcement',
            targetId: id,
            summary: `${verb === 'delete' ? 'deleted' : `${verb}ed`} announcement ${id}`,
          });
        return PATH;
      }),
    );
  change('publish');
  change('unpublish');
  change('delete');
}
