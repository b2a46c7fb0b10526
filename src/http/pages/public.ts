import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { instancePageRoutes } from './instance.ts';
import { oembedRoutes } from './oembed.ts';
import { tagPageRoutes } from './tags.ts';

/** The public pages besides profiles and posts (those share their URLs with ActivityPub: see federation.ts). */
export function publicPageRoutes(app: FastifyInstance, ctx: AppContext) {
  instancePageRoutes(app, ctx);
  tagPageRoutes(app, ctx);
  oembedRoutes(app, ctx);
}
