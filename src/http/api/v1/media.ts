import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { validationFailed } from '../../../lib/errors.ts';
import { renderMediaAttachment } from '../../../serializers/media-attachment.ts';
import { deleteMedia, findUnattachedMedia, updateMedia, uploadMedia } from '../../../services/media-attachments.ts';
import { RateLimitExceeded } from '../../../services/rate-limiter.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';

const write = { preHandler: authorize({ scopes: ['write', 'write:media'], user: true }) };
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

/** The multipart `file` part's bytes (params.ts attaches buffered files to the body). */
async function fileParam(value: unknown): Promise<Buffer> {
  const file = value as { type?: string; toBuffer?: () => Promise<Buffer> } | undefined;
  if (file?.type !== 'file' || !file.toBuffer) throw validationFailed(["File can't be blank"]);
  return file.toBuffer();
}

/** `/api/v1/media` and `/api/v2/media` (Api::V1::MediaController, Api::V2::MediaController): uploads of the signed-in account. */
export function mediaRoutes(app: FastifyInstance, ctx: AppContext) {
  const upload = async (request: FastifyRequest, reply: FastifyReply) => {
    const { account } = currentUser(request);
    const input = params(request);
    try {
      const bytes = await fileParam(input.file);
      const { media, rateLimit } = await uploadMedia(ctx, account.id, { bytes, description: text(input.description), focus: text(input.focus) });
      reply.headers(rateLimit);
      // images are processed within the request: always ready (v2 would answer 202 while processing)
      return renderMediaAttachment(media, ctx);
    } catch (error) {
      if (error instanceof RateLimitExceeded) reply.headers(error.headers);
      throw error;
    }
  };
  app.post('/api/v1/media', write, upload);
  app.post('/api/v2/media', write, upload);

  app.get('/api/v1/media/:id', write, async (request, reply) => {
    const { account } = currentUser(request);
    const media = await findUnattachedMedia(ctx, account.id, idOf(request));
    if (media.processing !== 'complete') reply.code(206);
    return renderMediaAttachment(media, ctx);
  });

  app.put('/api/v1/media/:id', write, async (request) => {
    const { account } = currentUser(request);
    const input = params(request);
    const media = await updateMedia(ctx, account.id, idOf(request), { description: text(input.description), focus: text(input.focus) });
    return renderMediaAttachment(media, ctx);
  });

  app.delete('/api/v1/media/:id', write, async (request, reply) => {
    const { account } = currentUser(request);
    await deleteMedia(ctx, account.id, idOf(request));
    return reply.send({});
  });
}
