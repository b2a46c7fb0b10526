import type { FastifyInstance } from 'fastify';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { SCOPES } from '../../services/oauth/scopes.ts';

/** RFC 8414 metadata, as Mastodon 4.3+ publishes it. */
export function oauthMetadataRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/.well-known/oauth-authorization-server', async () => {
    const base = baseUrl(ctx.config);
    return {
      issuer: `${base}/`,
      service_documentation: 'https://docs.joinmastodon.org/',
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${base}/oauth/token`,
      app_registration_endpoint: `${base}/api/v1/apps`,
      revocation_endpoint: `${base}/oauth/revoke`,
      userinfo_endpoint: `${base}/oauth/userinfo`,
      scopes_supported: SCOPES,
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    };
  });
}
