/**
 * A minimal browser for the server-rendered pages: keeps cookies, follows no redirects on its own,
 * and reads a form's hidden fields the way a user's browser would submit them.
 */
export class Browser {
  readonly baseUrl: string;
  private readonly cookies = new Map<string, string>();

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  private remember(response: Response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(path: string) {
    const response = await fetch(new URL(path, this.baseUrl), { headers: { cookie: this.cookieHeader(), accept: 'text/html' }, redirect: 'manual' });
    this.remember(response);
    return { status: response.status, headers: response.headers, location: response.headers.get('location'), html: await response.text() };
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await fetch(new URL(path, this.baseUrl), {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    this.remember(response);
    return { status: response.status, headers: response.headers, location: response.headers.get('location'), html: await response.text() };
  }

  /** POSTs JSON, as a page's script does (the security keys' ceremonies): its status and the JSON answered. */
  async postJson(path: string, body: unknown) {
    const response = await fetch(new URL(path, this.baseUrl), {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
    });
    this.remember(response);
    return { status: response.status, body: (await response.json()) as any };
  }

  /** POSTs a multipart form, as a browser sends a form with `enctype="multipart/form-data"`: its fields and files (name, content). */
  async postMultipart(path: string, fields: Record<string, string>, files: Record<string, { filename: string; content: string | Buffer; type?: string }>) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    for (const [name, file] of Object.entries(files))
      form.append(name, new Blob([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)], { type: file.type ?? 'text/csv' }), file.filename);
    const response = await fetch(new URL(path, this.baseUrl), { method: 'POST', headers: { cookie: this.cookieHeader(), accept: 'text/html' }, body: form, redirect: 'manual' });
    this.remember(response);
    return { status: response.status, headers: response.headers, location: response.headers.get('location'), html: await response.text() };
  }

  /** GETs a file (a download): its status, headers and bytes. */
  async download(path: string) {
    const response = await fetch(new URL(path, this.baseUrl), { headers: { cookie: this.cookieHeader() }, redirect: 'manual' });
    this.remember(response);
    return { status: response.status, headers: response.headers, location: response.headers.get('location'), bytes: Buffer.from(await response.arrayBuffer()) };
  }
}

const decode = (value: string) =>
  value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The fields of the `index`-th form on the page (hidden inputs, plus the clicked button's name/value if given). */
export function formFields(html: string, index = 0): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms[index];
  if (!form) throw new Error(`no form #${index} on the page:\n${html.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
    if (name) fields[decode(name)] = decode(value);
  }
  return { action: decode(form[1]!), fields };
}

/** The first form of the page at `path` sent as a browser sends it: hidden fields, the boxes ticked on the page ticked, `changes` on top. */
export async function submitSettings(browser: Browser, path: string, changes: Record<string, string>) {
  const page = await browser.get(path);
  if (page.status !== 200) throw new Error(`${path}: ${page.status}`);
  const form = formFields(page.html);
  for (const box of page.html.matchAll(/<input type="checkbox" id="[^"]+" name="([^"]+)" value="1" checked>/g)) form.fields[decode(box[1]!)] = '1';
  return browser.post(form.action, { ...form.fields, ...changes });
}

/** A Browser signed in as `user` through the sign-in page (throws unless the sign-in succeeds). */
export async function signedInBrowser(baseUrl: string, user: { email: string; password: string }): Promise<Browser> {
  const browser = new Browser(baseUrl);
  const page = await browser.get('/auth/sign_in');
  const signedIn = await browser.post('/auth/sign_in', { ...formFields(page.html).fields, 'user[email]': user.email, 'user[password]': user.password });
  if (signedIn.status !== 303) throw new Error(`sign-in failed (${signedIn.status}): ${signedIn.html.slice(0, 300)}`);
  return browser;
}
