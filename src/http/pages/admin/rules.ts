import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { notFound } from '../../../lib/errors.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { addRule, instanceRules, removeRule, updateRule } from '../../../services/instance/rules.ts';
import { text } from '../../plugins/params.ts';
import { buttonForm } from '../../views/admin/layout.ts';
import { html } from '../../views/html.ts';
import { renderStaffPage, staffAction, staffView } from './staff-page.ts';

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const ruleInput = (input: Record<string, unknown>) => ({ text: text(input.text) ?? '', hint: text(input.hint) ?? '' });

/** `/admin/rules` (Admin::RulesController): the server rules members agree to, in order; each editable and removable. */
export function staffRulesRoutes(app: FastifyInstance, ctx: AppContext) {
  const permission = PERMISSIONS.manageRules;

  app.get('/admin/rules', (request, reply) =>
    staffView(ctx, request, reply, permission, async (staff) => {
      const rules = await instanceRules(ctx);
      const csrf = html`<input type="hidden" name="authenticity_token" value="${staff.csrf}">`;
      const body = html`${
        rules.length
          ? html`<ol class="rules">${rules.map(
              (rule) => html`<li><form method="post" action="/admin/rules/${rule.id}">${csrf}
<label for="rule-${rule.id}-text">Rule</label><input id="rule-${rule.id}-text" type="text" name="text" value="${rule.text}" maxlength="300" required>
<label for="rule-${rule.id}-hint">Explanation</label><input id="rule-${rule.id}-hint" type="text" name="hint" value="${rule.hint}">
<button type="submit">Save rule</button></form>${buttonForm(`/admin/rules/${rule.id}/delete`, staff.csrf, 'Remove rule', { secondary: true })}</li>`,
            )}</ol>`
          : html`<p>There are no rules yet.</p>`
      }
<section aria-labelledby="new-rule-heading"><h2 id="new-rule-heading">Add a rule</h2>
<form method="post" action="/admin/rules">${csrf}
<label for="new-rule-text">Rule</label><input id="new-rule-text" type="text" name="text" maxlength="300" required>
<label for="new-rule-hint">Explanation (optional)</label><input id="new-rule-hint" type="text" name="hint">
<button type="submit">Add rule</button></form></section>`;
      return renderStaffPage(ctx, reply, staff, 'Server rules', body);
    }),
  );
  app.post('/admin/rules', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff, input) => {
      await addRule(ctx, ruleInput(input), staff.account.id);
      return '/admin/rules';
    }),
  );
  app.post('/admin/rules/:id', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff, input) => {
      if (!(await updateRule(ctx, idOf(request), ruleInput(input), staff.account.id))) throw notFound();
      return '/admin/rules';
    }),
  );
  app.post('/admin/rules/:id/delete', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff) => {
      if (!(await removeRule(ctx, idOf(request), staff.account.id))) throw notFound();
      return '/admin/rules';
    }),
  );
}
