import type { AppContext } from '../../context.ts';
import { unwrappedFetch } from '../../lib/outbound-fetch.ts';

/**
 * hCaptcha, as Mastodon's CaptchaConcern uses it on its web sign-up and confirmation pages: on only
 * when both HCAPTCHA_SITE_KEY and HCAPTCHA_SECRET_KEY are set. A page shows the widget (the script
 * and the `h-captcha` element with the site key) and, when the form comes back, asks
 * verifyCaptcha() about the `h-captcha-response` field it carries.
 */

export const HCAPTCHA_SCRIPT_URL = 'https://js.hcaptcha.com/1/api.js';
export const HCAPTCHA_RESPONSE_FIELD = 'h-captcha-response';
/** what the page says when verification failed (Mastodon's `errors.invalid_captcha`-like message) */
export const CAPTCHA_FAILED_MESSAGE = 'The CAPTCHA could not be verified. Please try again.';

/** How long the verification endpoint may take to answer. */
const VERIFY_TIMEOUT_MS = 10_000;

/** The widget's site key when the captcha is on, else undefined (sign-up pages show no captcha). */
export function captchaSiteKey(ctx: Pick<AppContext, 'config'>): string | undefined {
  return ctx.config.hcaptcha?.siteKey;
}

/**
 * Whether the solved captcha's token checks out with hCaptcha's `siteverify` (secret, response,
 * remote IP, site key). Always true when the captcha is off; false for a missing token, a refusal,
 * or an endpoint that cannot be reached (a sign-up is never let through unverified).
 */
export async function verifyCaptcha(ctx: Pick<AppContext, 'config' | 'log'>, response: string | undefined, remoteIp: string): Promise<boolean> {
  const settings = ctx.config.hcaptcha;
  if (!settings) return true;
  if (!response) return false;
  try {
    const answer = await unwrappedFetch()(settings.verifyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ secret: settings.secretKey, response, remoteip: remoteIp, sitekey: settings.siteKey }),
      signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
    });
    if (!answer.ok) {
      ctx.log.warn({ status: answer.status }, 'hCaptcha verification endpoint answered with an error');
      return false;
    }
    const result = (await answer.json()) as { success?: unknown };
    return result.success === true;
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not verify the hCaptcha response');
    return false;
  }
}
