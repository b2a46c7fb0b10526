// moved to src/lib/sanitize-html.ts, where services may use it too (a translated status is sanitized again)
export * from '../lib/sanitize-html.ts';
