import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { loginActivitiesOf } from '../../services/accounts/login-activities.ts';
import { loginActivitiesBody } from '../views/two-factor.ts';
import { renderPage, signedIn } from './member-page.ts';

const PATH = '/settings/login_activities';

/** Mastodon's Settings::LoginActivitiesController: the member's recent sign-ins and failed tries (time, result, method, IP, browser). */
export function loginActivityRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, async (request, reply) => {
    const member = await signedIn(ctx, request, reply, PATH);
    if (member) return renderPage(ctx, reply, 200, 'Sign-in history', loginActivitiesBody(await loginActivitiesOf(ctx, member.user.id)));
  });
}
