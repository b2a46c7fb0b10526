import { html, layout, type SafeHtml } from './html.ts';

/** A form's errors by field (`username`, `email`, `password`, `password_confirmation`, `agreement`, `reason`), as sentences' ends. */
export type FieldErrors = Record<string, string[]>;

const csrfField = (csrf: string) => html`<input type="hidden" name="authenticity_token" value="${csrf}">`;

/** The form's summary of what went wrong, announced to screen readers. */
const errorSummary = (error: string | undefined) => (error ? html`<p class="error" role="alert">${error}</p>` : '');

/** A field's own errors, tied to its input by `aria-describedby`. */
function fieldErrors(errors: FieldErrors, field: string): SafeHtml | '' {
  const messages = errors[field];
  return messages?.length ? html`<p class="field-error" id="${field}-error">${messages.join(', ')}</p>` : '';
}

function invalid(errors: FieldErrors, field: string, hint?: string): SafeHtml {
  const described = [hint, errors[field]?.length ? `${field}-error` : undefined].filter(Boolean).join(' ');
  return html`${errors[field]?.length ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}`;
}

const otherLinks = (links: [string, string][]) => html`<ul class="auth-links">${links.map(([href, text]) => html`<li><a href="${href}">${text}</a></li>`)}</ul>`;

export const AUTH_LINKS = {
  signIn: ['/auth/sign_in', 'Log in'] as [string, string],
  signUp: ['/auth/sign_up', 'Sign up'] as [string, string],
  forgotPassword: ['/auth/password/new', 'Forgot your password?'] as [string, string],
  resendConfirmation: ['/auth/confirmation/new', "Didn't receive a confirmation link?"] as [string, string],
};

export interface SignUpForm {
  siteTitle: string;
  domain: string;
  csrf: string;
  approvalRequired: boolean;
  reasonRequired: boolean;
  rules: { text: string; hint: string }[];
  values: { username?: string; email?: string; reason?: string };
  errors: FieldErrors;
  error?: string;
  /** hCaptcha's widget, when the captcha is on */
  captcha?: { siteKey: string; scriptUrl: string };
}

/** `/auth/sign_up` (Mastodon's registrations/new): the account, the rules to agree to, and why, when staff review sign-ups. */
export function signUpPage(form: SignUpForm): string {
  const { errors, values } = form;
  const rules = form.rules.length
    ? html`<section aria-labelledby="rules-heading"><h2 id="rules-heading">Server rules</h2><ol class="rules">${form.rules.map((rule) => html`<li>${rule.text}${rule.hint ? html`<p class="hint">${rule.hint}</p>` : ''}</li>`)}</ol></section>`
    : '';
  const reason = form.approvalRequired
    ? html`<label for="reason">Why do you want to join?${form.reasonRequired ? '' : ' (optional)'}</label>
<p class="hint" id="reason-hint">Sign-ups on ${form.domain} are reviewed by its staff. This will help them review your application.</p>
<textarea id="reason" name="user[invite_request_attributes][text]" rows="3" maxlength="500"${form.reasonRequired ? html` required` : ''}${invalid(errors, 'reason', 'reason-hint')}>${values.reason ?? ''}</textarea>
${fieldErrors(errors, 'reason')}`
    : '';
  return layout(
    'Create account',
    form.siteTitle,
    html`<p>Set up your account on ${form.domain}.</p>${errorSummary(form.error)}
<form method="post" action="/auth/sign_up" novalidate>
${csrfField(form.csrf)}
<label for="username">Username</label>
<p class="hint" id="username-hint">Your address will be @username@${form.domain}. Letters, numbers and underscores.</p>
<input id="username" type="text" name="user[account_attributes][username]" value="${values.username ?? ''}" autocomplete="username" maxlength="30" required${invalid(errors, 'username', 'username-hint')}>
${fieldErrors(errors, 'username')}
<label for="email">E-mail address</label>
<input id="email" type="email" name="user[email]" value="${values.email ?? ''}" autocomplete="email" required${invalid(errors, 'email')}>
${fieldErrors(errors, 'email')}
<label for="password">Password</label>
<p class="hint" id="password-hint">At least 8 characters.</p>
<input id="password" type="password" name="user[password]" autocomplete="new-password" minlength="8" maxlength="72" required${invalid(errors, 'password', 'password-hint')}>
${fieldErrors(errors, 'password')}
<label for="password_confirmation">Confirm password</label>
<input id="password_confirmation" type="password" name="user[password_confirmation]" autocomplete="new-password" maxlength="72" required${invalid(errors, 'password_confirmation')}>
${fieldErrors(errors, 'password_confirmation')}
${reason}
${rules}
<p class="checkbox"><input id="agreement" type="checkbox" name="user[agreement]" value="1" required${invalid(errors, 'agreement')}> <label for="agreement">I agree to the ${form.rules.length ? 'server rules above' : 'rules of this server'} and the <a href="/privacy-policy">privacy policy</a>.</label></p>
${fieldErrors(errors, 'agreement')}
${form.captcha ? html`<script src="${form.captcha.scriptUrl}" async defer></script><div class="h-captcha" data-sitekey="${form.captcha.siteKey}"></div>` : ''}
<button type="submit">Sign up</button>
</form>
${otherLinks([AUTH_LINKS.signIn, AUTH_LINKS.resendConfirmation])}`,
  );
}

/** Shown after a sign-up, and after asking for another confirmation link. */
export function checkEmailPage(siteTitle: string, approvalRequired: boolean): string {
  return layout(
    'Check your inbox',
    siteTitle,
    html`<p>We sent you an e-mail with a link to confirm your address. Open it to activate your account; if it does not arrive, look in your spam folder.</p>
${approvalRequired ? html`<p>Once your address is confirmed, the server's staff will review your application; you can log in once it is approved.</p>` : ''}
${otherLinks([AUTH_LINKS.signIn, AUTH_LINKS.resendConfirmation])}`,
  );
}

/** `/auth/sign_up` when the instance takes no sign-ups. */
export function registrationsClosedPage(siteTitle: string, domain: string, message: SafeHtml | null): string {
  return layout(
    'Sign-ups are closed',
    siteTitle,
    html`${message ?? html`<p>${domain} is not accepting new members right now. You can join the fediverse on another server and follow its members from there.</p>`}
${otherLinks([AUTH_LINKS.signIn, ['/about', `About ${domain}`]])}`,
  );
}

/** An e-mail address to send a link to: a new confirmation link, or a password reset link. */
function emailForm(input: {
  title: string;
  siteTitle: string;
  csrf: string;
  action: string;
  intro: string;
  button: string;
  email?: string;
  error?: string;
  notice?: string;
  links: [string, string][];
}) {
  return layout(
    input.title,
    input.siteTitle,
    html`${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ''}${errorSummary(input.error)}<p>${input.intro}</p>
<form method="post" action="${input.action}">
${csrfField(input.csrf)}
<label for="email">E-mail address</label>
<input id="email" type="email" name="user[email]" value="${input.email ?? ''}" autocomplete="email" required>
<button type="submit">${input.button}</button>
</form>
${otherLinks(input.links)}`,
  );
}

export function resendConfirmationPage(input: { siteTitle: string; csrf: string; error?: string }): string {
  return emailForm({
    ...input,
    title: 'Resend confirmation instructions',
    action: '/auth/confirmation',
    intro: 'Enter the e-mail address you signed up with, and we will send you a new confirmation link.',
    button: 'Resend confirmation instructions',
    links: [AUTH_LINKS.signIn, AUTH_LINKS.signUp],
  });
}

export function passwordResetRequestPage(input: { siteTitle: string; csrf: string; error?: string; notice?: string }): string {
  return emailForm({
    ...input,
    title: 'Reset password',
    action: '/auth/password',
    intro: 'Enter the e-mail address of your account, and we will send you a link to choose a new password.',
    button: 'Reset password',
    links: [AUTH_LINKS.signIn, AUTH_LINKS.signUp],
  });
}

/** `/auth/password/edit`: the new password, for a member who came from the reset link. */
export function newPasswordPage(input: { siteTitle: string; csrf: string; token: string; errors: FieldErrors; error?: string }): string {
  const { errors } = input;
  return layout(
    'Set new password',
    input.siteTitle,
    html`${errorSummary(input.error)}
<form method="post" action="/auth/password">
${csrfField(input.csrf)}
<input type="hidden" name="_method" value="put">
<input type="hidden" name="user[reset_password_token]" value="${input.token}">
<label for="password">New password</label>
<p class="hint" id="password-hint">At least 8 characters.</p>
<input id="password" type="password" name="user[password]" autocomplete="new-password" minlength="8" maxlength="72" required${invalid(errors, 'password', 'password-hint')}>
${fieldErrors(errors, 'password')}
<label for="password_confirmation">Confirm new password</label>
<input id="password_confirmation" type="password" name="user[password_confirmation]" autocomplete="new-password" maxlength="72" required${invalid(errors, 'password_confirmation')}>
${fieldErrors(errors, 'password_confirmation')}
<button type="submit">Change password</button>
</form>`,
  );
}
