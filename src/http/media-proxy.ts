import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { DownloadFailed } from '../lib/remote-file.ts';
import { ApiError, notFound } from '../lib/errors.ts';
import { mediaProxyLocation } from '../services/media/media-proxy.ts';
import { viewerOf } from './plugins/auth.ts';
import { currentSession } from './plugins/session.ts';

/** Who asks: the token's account, else the signed-in browser's (images are loaded without a token). */
async function viewer(ctx: AppContext, request: FastifyRequest): Promise<string | null> {
  return viewerOf(request) ?? (await currentSession(ctx, request))?.account.id ?? null;
}

/**
 * Mastodon's `/media_proxy/:id/(*any)`: a remote attachment not cached is downloaded on demand
 * and the client redirected to the stored file (`…/small` for the preview, anything else the
 * original). 404 when there is nothing to show; 502 when the remote server failed to answer.
 */
export function mediaProxyRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/media_proxy/:id/*', async (request, reply) => {
    const { id, '*': rest } = request.params as { id: string; '*': string };
    const style = rest === 'small' || rest.endsWith('/small') ? 'small' : 'original';
    let location: string | undefined;
    try {
      location = await mediaProxyLocation(ctx, id, style, await viewer(ctx, request));
    } catch (error) {
      if (error instanceof DownloadFailed) throw new ApiError(502, 'The media could not be fetched from its server; try again later');
      throw error;
    }
    if (!location) throw notFound();
    return reply.redirect(location, 302);
  });
}
