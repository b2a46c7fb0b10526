import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { html } from './html.ts';

/**
 * The one script of the server-rendered pages: security keys (WebAuthn) at sign-in and in the
 * settings, served from public/ under a URL carrying a digest of its content (cached for good), and
 * allowed only on the pages that use it (useScriptPolicy).
 */
export const WEBAUTHN_SCRIPT = readFileSync(new URL('../../../public/assets/webauthn.js', import.meta.url));
export const WEBAUTHN_SCRIPT_ROUTE = '/assets/webauthn.js';
export const WEBAUTHN_SCRIPT_URL = `${WEBAUTHN_SCRIPT_ROUTE}?${createHash('sha256').update(WEBAUTHN_SCRIPT).digest('hex').slice(0, 12)}`;

export const webauthnScriptTag = () => html`<script type="module" src="${WEBAUTHN_SCRIPT_URL}"></script>`;
