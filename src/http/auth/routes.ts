import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { confirmationRoutes } from './confirmation.ts';
import { passwordRoutes } from './passwords.ts';
import { signInRoutes } from './sign-in.ts';
import { signUpRoutes } from './sign-up.ts';

/** The account pages for members without an app (Mastodon's `/auth/*`): sign in, sign up, confirm an e-mail, reset a password. */
export function authPageRoutes(app: FastifyInstance, ctx: AppContext) {
  signInRoutes(app, ctx);
  signUpRoutes(app, ctx);
  confirmationRoutes(app, ctx);
  passwordRoutes(app, ctx);
}
