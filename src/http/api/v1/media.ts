import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { ApiError, validationFailed } from '../../../lib/errors.ts';
import { authenticateToken } from '../../../services/oauth/authenticate-token.ts';
import { renderMediaAttachment } from '../../../serializers/media-attachment.ts';
import { deleteMedia, findUnattachedMedia, updateMedia, uploadMedia } from '../../../services/media/media-attachments.ts';
import { RateLimitExceeded } from '../../../services/instance/rate-limiter.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { MEDIA_UPLOAD_SIZE, params, text } from '../../plugins/params.ts';

const write = { preHandler: authorize({ scopes: ['write', 'write:media'], user: true }) };
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

type FilePart = { type?: string; toBuffer?: () => Promise<Buffer> } | undefined;

/** The multipart `file` part's bytes (params.ts attaches buffered files to the body). */
async function fileParam(value: unknown): Promise<Buffer> {
  const file = value as FilePart;
  if (file?.type !== 'file' || !file.toBuffer) throw validationFailed(["File can't be blank"]);
  return file.toBuffer();
}

/** An optional file part (`thumbnail`); a plain field of that name is ignored, as Paperclip ignores a blank one. */
async function optionalFileParam(value: unknown): Promise<Buffer | undefined> {
  const file = value as FilePart;
  return file?.type === 'file' && file.toBuffer ? file.toBuffer() : undefined;
}

const processed = (media: { processing: string }) => media.processing === 'complete';

/**
 * Uploads take files of up to 100 MB, which are buffered as they arrive: the token (from the header
 * or the query) is checked before the body is read, so that no stranger can make a process hold them.
 * The usual checks (scopes, user) follow as on every route.
 */
const tokenBeforeBody = (ctx: AppContext) => async (request: FastifyRequest) => {
  const header = request.headers.authorization;
  const token = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : (request.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof token !== 'string' || !token) throw new ApiError(401, 'The access token is invalid');
  const result = await authenticateToken(ctx, token);
  if ('error' in result) throw new ApiError(401, result.error);
};

/** `/api/v1/media` and `/api/v2/media` (Api::V1::MediaController, Api::V2::MediaController): uploads of the signed-in account. */
export function mediaRoutes(app: FastifyInstance, ctx: AppContext) {
  // v1 processes everything within the request; v2 leaves video and audio to a job and answers 202 meanwhile
  const upload = (delayProcessing: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { account } = currentUser(request);
    const input = params(request);
    try {
      const bytes = await fileParam(input.file);
      const thumbnail = await optionalFileParam(input.thumbnail);
      const { media, rateLimit } = await uploadMedia(ctx, account.id, { bytes, thumbnail, description: text(input.description), focus: text(input.focus) }, { delayProcessing });
      reply.headers(rateLimit);
      if (!processed(media)) reply.code(202);
      return renderMediaAttachment(media, ctx);
    } catch (error) {
      if (error instanceof RateLimitExceeded) reply.headers(error.headers);
      throw error;
    }
  };
  const uploadRoute = { ...write, onRequest: tokenBeforeBody(ctx), config: { multipartFileSize: MEDIA_UPLOAD_SIZE } };
  app.post('/api/v1/media', uploadRoute, upload(false));
  app.post('/api/v2/media', uploadRoute, upload(true));

  app.get('/api/v1/media/:id', write, async (request, reply) => {
    const { account } = currentUser(request);
    const media = await findUnattachedMedia(ctx, account.id, idOf(request));
    if (!processed(media)) reply.code(206);
    return renderMediaAttachment(media, ctx);
  });

  const update = async (request: FastifyRequest, reply: FastifyReply) => {
    const { account } = currentUser(request);
    const input = params(request);
    const thumbnail = await optionalFileParam(input.thumbnail);
    const media = await updateMedia(ctx, account.id, idOf(request), { description: text(input.description), focus: text(input.focus), thumbnail });
    if (!processed(media)) reply.code(206);
    return renderMediaAttachment(media, ctx);
  };
  app.put('/api/v1/media/:id', write, update);
  app.patch('/api/v1/media/:id', write, update);

  app.delete('/api/v1/media/:id', write, async (request, reply) => {
    const { account } = currentUser(request);
    await deleteMedia(ctx, account.id, idOf(request));
    return reply.send({});
  });
}
