import { html, layout } from './html.ts';

export interface AuthorizationParams {
  client_id: string;
  redirect_uri: string;
  scope: string;
  state?: string;
  response_type: string;
  code_challenge?: string;
  code_challenge_method?: string;
}

const hidden = (params: Record<string, string | undefined>) =>
  Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);

export function signInPage(input: { siteTitle: string; csrf: string; returnTo: string; email?: string; error?: string }) {
  return layout(
    'Log in',
    input.siteTitle,
    html`${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
<form method="post" action="/auth/sign_in">
${hidden({ authenticity_token: input.csrf, return_to: input.returnTo })}
<label for="email">E-mail address</label>
<input id="email" type="email" name="user[email]" value="${input.email ?? ''}" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" type="password" name="user[password]" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
<ul class="auth-links"><li><a href="/auth/sign_up">Sign up</a></li><li><a href="/auth/password/new">Forgot your password?</a></li><li><a href="/auth/confirmation/new">Didn't receive a confirmation link?</a></li></ul>`,
  );
}

export function consentPage(input: { siteTitle: string; csrf: string; appName: string; website: string | null; username: string; scopes: string[]; params: AuthorizationParams }) {
  const fields = hidden({ authenticity_token: input.csrf, ...input.params });
  return layout(
    'Authorization required',
    input.siteTitle,
    html`<p><strong>${input.appName}</strong>${input.website ? html` (<a href="${input.website}" rel="noopener">${input.website}</a>)` : ''} would like permission to access your account <strong>@${input.username}</strong>. It is a third-party application. If you do not trust it, then you should not authorize it.</p>
<p>Review permissions:</p>
<ul class="scopes">${input.scopes.map((scope) => html`<li><code>${scope}</code></li>`)}</ul>
<form method="post" action="/oauth/authorize">${fields}<button type="submit" name="decision" value="approve">Authorize</button></form>
<form method="post" action="/oauth/authorize">${fields}<input type="hidden" name="_method" value="delete"><button class="secondary" type="submit" name="decision" value="deny">Deny</button></form>`,
  );
}

export function authorizationCodePage(siteTitle: string, code: string) {
  return layout('Authorization code', siteTitle, html`<p>Copy this authorization code and paste it to the application.</p><code class="token" id="authorization_code">${code}</code>`);
}

export function messagePage(siteTitle: string, title: string, message: string) {
  return layout(title, siteTitle, html`<p>${message}</p>`);
}
