import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The pages' one stylesheet, served from public/ rather than inlined so that their
 * Content-Security-Policy can forbid inline styles. Its URL carries a digest of its content, so it
 * can be cached for good.
 */
export const STYLESHEET = readFileSync(new URL('../../../public/assets/pages.css', import.meta.url));
export const STYLESHEET_ROUTE = '/assets/pages.css';
export const STYLESHEET_URL = `${STYLESHEET_ROUTE}?${createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12)}`;
