import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emailDomainBlocks, reports, rules } from '../../src/db/schema.ts';
import { Browser, formFields, signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { STAFF_PAGES, submitStaffForm } from '../helpers/staff-pages.ts';

const RANK = { Member: 0, Moderator: 1, Admin: 2, Owner: 3 } as const;

describe('staff web interface: who may open which page, and forms only with their CSRF token', () => {
  let instance: TestInstance;
  const people = {} as Record<keyof typeof RANK, TestUser>;
  const browsers = {} as Record<keyof typeof RANK, Browser>;
  before(async () => {
    instance = await startInstance();
    for (const role of ['Member', 'Moderator', 'Admin', 'Owner'] as const) {
      people[role] = await instance.createUser(role.toLowerCase(), role === 'Member' ? {} : { role });
      browsers[role] = await signedInBrowser(instance.url, people[role]);
    }
  });
  after(() => instance.close());

  it('sends signed-out visitors to sign in, and back afterwards', async () => {
    for (const [path] of STAFF_PAGES) {
      const page = await new Browser(instance.url).get(path);
      assert.equal(page.status, 302, path);
      assert.equal(page.location, `/auth/sign_in?return_to=${encodeURIComponent(path)}`);
    }
    assert.equal((await new Browser(instance.url).get('/admin')).location, '/admin/dashboard');
  });

  it('opens each page to the roles whose permissions it needs, as the admin API does, and 403s the others', async () => {
    for (const [path, lowest] of STAFF_PAGES) {
      for (const role of Object.keys(RANK) as (keyof typeof RANK)[]) {
        const page = await browsers[role].get(path);
        const allowed = RANK[role] >= RANK[lowest];
        assert.equal(page.status, allowed ? 200 : 403, `${role} ${path}`);
        if (!allowed) assert.match(page.html, /You are not allowed to see this page/);
      }
    }
  });

  it('serves the pages under a strict policy, without any script, with only the sections a role may open', async () => {
    const page = await browsers.Moderator.get('/admin/dashboard');
    const policy = page.headers.get('content-security-policy')!;
    assert.match(policy, /default-src 'none'/);
    assert.doesNotMatch(policy, /script-src|unsafe-inline/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.doesNotMatch(page.html, /<script|\sstyle=|\son[a-z]+=/i);
    assert.match(page.html, /href="\/admin\/reports"/);
    assert.match(page.html, /href="\/admin\/dashboard" aria-current="page"/);
    assert.doesNotMatch(page.html, /href="\/admin\/settings"/, 'a Moderator is not offered the settings');
    const owner = await browsers.Owner.get('/admin/dashboard');
    assert.match(owner.html, /href="\/admin\/jobs"/);
  });

  it('refuses a form without its CSRF token or with a wrong one (422), changing nothing', async () => {
    const admin = browsers.Admin;
    await admin.get('/admin/rules');
    for (const token of [undefined, 'forged']) {
      const refused = await admin.post('/admin/rules', { ...(token ? { authenticity_token: token } : {}), text: 'Sneaky rule' });
      assert.equal(refused.status, 422);
    }
    assert.equal((await instance.ctx.db.select().from(rules)).length, 0);
    const accepted = await submitStaffForm(admin, '/admin/rules', '/admin/rules', { text: 'A real rule' });
    assert.equal(accepted.status, 303, accepted.html);
    assert.equal((await instance.ctx.db.select().from(rules)).length, 1);
  });

  it('refuses a member’s or a Moderator’s POST with a valid token (403), changing nothing', async () => {
    for (const role of ['Member', 'Moderator'] as const) {
      // signed in by hand, keeping the sign-in form's token: valid for every form of this browser
      const browser = new Browser(instance.url);
      const { fields } = formFields((await browser.get('/auth/sign_in')).html);
      assert.equal((await browser.post('/auth/sign_in', { ...fields, 'user[email]': people[role].email, 'user[password]': people[role].password })).status, 303);
      const refused = await browser.post('/admin/rules', { authenticity_token: fields.authenticity_token!, text: 'Not allowed' });
      assert.equal(refused.status, 403, role);
      assert.equal((await browser.post('/admin/rules', { text: 'Not allowed' })).status, 422, 'the token is checked first');
    }
    assert.equal((await instance.ctx.db.select().from(rules)).length, 1);
  });
  it('pages long lists with an "older" link that keeps the filters', async () => {
    // 41 open reports (a page shows 40), and 201 e-mail domain blocks (a page shows 200)
    const reporter = people.Member;
    await instance.ctx.db.insert(reports).values(Array.from({ length: 41 }, (_, i) => ({ accountId: reporter.accountId, targetAccountId: people.Owner.accountId, comment: `report ${i}` })));
    await instance.ctx.db.insert(emailDomainBlocks).values(Array.from({ length: 201 }, (_, i) => ({ domain: `spam${i}.example` })));
    const rowsOf = (html: string) => (html.match(/<tr><td>/g) ?? []).length;
    const next = (html: string) => /<a rel="next" href="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');

    const first = await browsers.Moderator.get('/admin/reports');
    assert.equal(rowsOf(first.html), 40);
    const older = next(first.html);
    assert.match(older!, /^\/admin\/reports\?max_id=\d+$/);
    const second = await browsers.Moderator.get(older!);
    assert.equal(rowsOf(second.html), 1);
    assert.equal(next(second.html), undefined, 'no link past the last page');

    const blocks = await browsers.Admin.get('/admin/email_domain_blocks');
    assert.equal(rowsOf(blocks.html), 200);
    const rest = await browsers.Admin.get(next(blocks.html)!);
    assert.equal(rowsOf(rest.html), 1);
    assert.match(rest.html, /spam0\.example/, 'the oldest last');

    const filtered = await browsers.Moderator.get('/admin/accounts?origin=local&status=active');
    assert.equal(next(filtered.html), undefined, 'a short list has no link');
  });
});
