import { escapeHtml } from '../../lib/html.ts';

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

export function layout(title: string, siteTitle: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} - ${siteTitle}</title>
<style>
body{font-family:system-ui,sans-serif;background:#191b22;color:#d9e1e8;display:flex;justify-content:center;margin:0;padding:40px 16px}
main{max-width:400px;width:100%}
h1{font-size:20px}
label{display:block;margin:12px 0 4px}
input[type=email],input[type=password],input[type=text]{width:100%;box-sizing:border-box;padding:10px;border-radius:4px;border:1px solid #444;background:#131419;color:inherit}
button{margin-top:16px;padding:10px 16px;border:0;border-radius:4px;background:#6364ff;color:#fff;font-weight:600;cursor:pointer}
button.secondary{background:#444}
.error{background:#4d1f1f;padding:10px;border-radius:4px}
ul.scopes li{margin:4px 0}
code.token{display:block;padding:12px;background:#131419;word-break:break-all;font-size:16px}
</style>
</head>
<body><main><h1>${title}</h1>${body}</main></body>
</html>`.value;
}
