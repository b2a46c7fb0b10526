import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { AccountRow } from '../../services/oauth/authenticate-token.ts';
import { ApiError } from '../../lib/errors.ts';
import { appealStrike, appealable, ownStrike, strikesOf } from '../../services/moderation/appeals.ts';
import { params, text } from '../plugins/params.ts';
import { csrfToken, verifyCsrf } from '../plugins/session.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { renderPage, signedIn } from './member-page.ts';

/**
 * Mastodon's strikes and appeals, which it offers only on the web (Disputes::StrikesController and
 * Disputes::AppealsController; there is no REST API for them): `/disputes/strikes` lists the
 * member's strikes, `/disputes/strikes/:id` shows one with what staff wrote and, within 20 days,
 * a form to appeal it (`POST /disputes/strikes/:id/appeal`).
 */

/** Mastodon's titles of the strike actions (user_mailer.warning.title). */
const ACTION_TITLES: Record<string, string> = {
  none: 'Warning',
  disable: 'Account frozen',
  mark_statuses_as_sensitive: 'Posts marked as sensitive',
  delete_statuses: 'Posts removed',
  sensitive: 'Account marked as sensitive',
  silence: 'Limited account',
  suspend: 'Account suspended',
};

const title = (action: string) => ACTION_TITLES[action] ?? action;
const day = (date: Date) => date.toISOString().slice(0, 10);

async function strikesPage(ctx: AppContext, reply: FastifyReply, account: AccountRow) {
  const strikes = await strikesOf(ctx, account.id);
  return renderPage(
    ctx,
    reply,
    200,
    'Strikes',
    strikes.length
      ? html`<ul class="strikes">${strikes.map((strike) => html`<li><a href="/disputes/strikes/${strike.id}">${title(strike.action)}</a> <time datetime="${strike.createdAt.toISOString()}">${day(strike.createdAt)}</time></li>`)}</ul>`
      : html`<p>Your account is in good standing.</p>`,
  );
}

async function strikePage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, account: AccountRow, id: string, status = 200, error?: string, draft = '') {
  const { strike, appeal } = await ownStrike(ctx, account.id, id);
  let appealPart: SafeHtml;
  if (appeal) {
    const state = appeal.approvedAt ? 'approved: the strike was overruled' : appeal.rejectedAt ? 'rejected' : 'waiting for a decision';
    appealPart = html`<section class="appeal"><h2>Your appeal</h2><p class="state">Appeal ${state}</p><blockquote>${appeal.text}</blockquote></section>`;
  } else if (strike.overruledAt) {
    appealPart = html`<p class="state">This strike was overruled.</p>`;
  } else if (appealable(strike, appeal)) {
    const csrf = csrfToken(ctx, request, reply);
    appealPart = html`<section class="appeal"><h2>Appeal</h2>
${error ? html`<div class="error" role="alert"><p>${error}</p></div>` : ''}
<form method="post" action="/disputes/strikes/${strike.id}/appeal">
<input type="hidden" name="authenticity_token" value="${csrf}">
<label for="appeal_text">Why should this decision be reconsidered?</label>
<textarea id="appeal_text" name="appeal[text]" maxlength="2000" required>${draft}</textarea>
<button type="submit">Submit appeal</button>
</form></section>`;
  } else {
    appealPart = html`<p class="state">This strike can no longer be appealed.</p>`;
  }
  return renderPage(
    ctx,
    reply,
    status,
    title(strike.action),
    html`<p>Issued <time datetime="${strike.createdAt.toISOString()}">${day(strike.createdAt)}</time></p>
${strike.text ? html`<section class="strike-text"><h2>What the moderators wrote</h2><blockquote>${strike.text}</blockquote></section>` : ''}
${strike.statusIds?.length ? html`<p>It concerns ${strike.statusIds.length} of your posts.</p>` : ''}
${appealPart}`,
  );
}

export function disputesRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/disputes/strikes', async (request, reply) => {
    const session = await signedIn(ctx, request, reply, '/disputes/strikes');
    if (session) return strikesPage(ctx, reply, session.account);
  });

  app.get('/disputes/strikes/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const session = await signedIn(ctx, request, reply, `/disputes/strikes/${id}`);
    if (!session) return;
    try {
      return await strikePage(ctx, request, reply, session.account, id);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 404) return renderPage(ctx, reply, 404, 'Not found', html`<p>There is no such strike.</p>`);
      throw error;
    }
  });

  app.post('/disputes/strikes/:id/appeal', async (request, reply) => {
    const { id } = request.params as { id: string };
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const session = await signedIn(ctx, request, reply, `/disputes/strikes/${id}`);
    if (!session) return;
    const appealText = text((input.appeal as Record<string, unknown> | undefined)?.text) ?? '';
    try {
      await appealStrike(ctx, session.account, id, appealText);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 422) return strikePage(ctx, request, reply, session.account, id, 422, error.message.replace(/^Validation failed: /, ''), appealText);
      throw error;
    }
    return reply.redirect(`/disputes/strikes/${id}`, 303);
  });
}
