import { escapeHtml } from '../../lib/html.ts';
import { STYLESHEET_URL } from './stylesheet.ts';

/** A tagged template that escapes every interpolated value unless it is already `SafeHtml`. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString() {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value];
    for (const part of parts) {
      if (part === null || part === undefined || part === false) continue;
      out += part instanceof SafeHtml ? part.value : escapeHtml(String(part));
    }
    out += strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** The head of a page that search engines leave out, with the pages' stylesheet. */
export function unindexedHead(title: string): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<link rel="stylesheet" href="${STYLESHEET_URL}">
</head>`;
}

export function layout(title: string, siteTitle: string, body: SafeHtml): string {
  return html`${unindexedHead(`${title} - ${siteTitle}`)}
<body><main><h1>${title}</h1>${body}</main></body>
</html>`.value;
}
