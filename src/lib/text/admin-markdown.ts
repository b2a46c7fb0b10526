const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Admin-written Markdown as Mastodon renders it for the instance entities (Redcarpet without
 * images): paragraphs, links, bold, italics and code. HTML written by the admin passes through,
 * as it does in Mastodon.
 */
export function renderAdminMarkdown(text: string): string {
  const inline = (line: string) =>
    line
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, (_match, label: string, href: string) => `<a href="${escapeAttribute(href)}">${label}</a>`)
      .replace(/\*\*([^*]+)\*\*|__([^_]+)__/g, (_match, a?: string, b?: string) => `<strong>${a ?? b}</strong>`)
      .replace(/\*([^*\s][^*]*)\*|\b_([^_\s][^_]*)_\b/g, (_match, a?: string, b?: string) => `<em>${a ?? b}</em>`);
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => `<p>${inline(paragraph)}</p>\n`)
    .join('\n');
}
