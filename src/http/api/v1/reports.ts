import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { listParam } from '../../params.ts';
import { RateLimitExceeded } from '../../../services/instance/rate-limiter.ts';
import { reportAccount } from '../../../services/moderation/report-account.ts';
import { renderReport } from '../../../presenters/reports.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';

const write = { preHandler: authorize({ scopes: ['write', 'write:reports'], user: true }) };

/** `POST /api/v1/reports` (Api::V1::ReportsController), rate-limited in the `reports` family. */
export function reportsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/reports', write, async (request, reply) => {
    const { account } = currentUser(request);
    const input = params(request);
    try {
      const { report, rateLimit } = await reportAccount(ctx, account, {
        accountId: text(input.account_id),
        statusIds: listParam(input.status_ids),
        comment: text(input.comment),
        category: text(input.category),
        ruleIds: listParam(input.rule_ids),
        forward: railsBoolean(input.forward) === true,
        forwardToDomains: input.forward_to_domains === undefined ? undefined : listParam(input.forward_to_domains),
      });
      reply.headers(rateLimit);
      return renderReport(ctx, report);
    } catch (error) {
      if (error instanceof RateLimitExceeded) reply.headers(error.headers);
      throw error;
    }
  });
}
