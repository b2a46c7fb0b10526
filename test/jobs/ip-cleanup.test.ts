import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { ipBlocks, loginActivities, oauthAccessTokens, sessionActivations, userActivityDays, users } from '../../src/db/schema.ts';
import { IpCleanupScheduler, VacuumScheduler } from '../../src/jobs/definitions.ts';
import { runIpCleanup } from '../../src/jobs/scheduler/ip-cleanup-scheduler.ts';
import { runVacuum } from '../../src/jobs/scheduler/vacuum-scheduler.ts';
import { SCHEDULES } from '../../src/roles/scheduler.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/** Mastodon's periodic clean-ups of sessions, IP addresses and tokens (IpCleanupScheduler, AccessTokensVacuum). */
describe('IP and session retention', () => {
  let instance: TestInstance;
  let member: TestUser;
  const YEAR = 365 * 24 * 3600 * 1000;
  const longAgo = new Date(Date.now() - 2 * YEAR);

  before(async () => {
    instance = await startInstance({ roles: { web: true }, env: { SESSION_RETENTION_PERIOD: String(3 * 365 * 24 * 3600) } });
    member = await instance.createUser('member');
  });
  after(() => instance.close());

  it('the scheduler runs both every day', () => {
    for (const job of [IpCleanupScheduler, VacuumScheduler]) assert.equal(SCHEDULES.find((schedule) => schedule.job === job)?.everySeconds, 24 * 3600, job.name);
  });

  it('forgets IP addresses and sign-in history older than IP_RETENTION_PERIOD, ends sessions older than SESSION_RETENTION_PERIOD, removes expired IP blocks', async () => {
    const { db } = instance.ctx;
    const [user] = await db.select().from(users).where(eq(users.accountId, member.accountId));
    await db.update(users).set({ signUpIp: '192.0.2.1', currentSignInAt: longAgo }).where(eq(users.id, user!.id));
    await db.insert(sessionActivations).values([
      { sessionDigest: 'ancient', userId: user!.id, ip: '192.0.2.2', createdAt: new Date(Date.now() - 4 * YEAR) },
      { sessionDigest: 'old', userId: user!.id, ip: '192.0.2.3', createdAt: longAgo },
      { sessionDigest: 'recent', userId: user!.id, ip: '192.0.2.4' },
    ]);
    await db.update(oauthAccessTokens).set({ lastUsedIp: '192.0.2.5', lastUsedAt: longAgo }).where(eq(oauthAccessTokens.userId, user!.id));
    await db.insert(loginActivities).values([
      { userId: user!.id, authenticationMethod: 'password', success: true, ip: '192.0.2.6', createdAt: longAgo },
      { userId: user!.id, authenticationMethod: 'otp', success: true, ip: '192.0.2.7' },
    ]);
    await db.insert(ipBlocks).values([
      { ip: '198.51.100.0/24', severity: 'no_access', expiresAt: new Date(Date.now() - 1000) },
      { ip: '198.51.101.0/24', severity: 'no_access' },
    ]);

    await runIpCleanup(instance.ctx);

    const sessions = await db.select({ digest: sessionActivations.sessionDigest, ip: sessionActivations.ip }).from(sessionActivations).where(eq(sessionActivations.userId, user!.id));
    assert.deepEqual(
      sessions.sort((a, b) => a.digest.localeCompare(b.digest)),
      [
        { digest: 'old', ip: null },
        { digest: 'recent', ip: '192.0.2.4' },
      ],
    );
    assert.deepEqual(
      (await db.select({ ip: loginActivities.ip }).from(loginActivities).where(eq(loginActivities.userId, user!.id))).map((row) => row.ip),
      ['192.0.2.7'],
      'the sign-in history of the retention period stays',
    );
    assert.equal((await db.select().from(users).where(eq(users.id, user!.id)))[0]!.signUpIp, null);
    assert.equal((await db.select().from(oauthAccessTokens).where(eq(oauthAccessTokens.userId, user!.id)))[0]!.lastUsedIp, null);
    assert.deepEqual(
      (await db.select({ ip: ipBlocks.ip }).from(ipBlocks)).map((row) => row.ip),
      ['198.51.101.0/24'],
    );
  });

  it('the vacuum deletes revoked access tokens', async () => {
    const other = await instance.createUser('other');
    const [otherUser] = await instance.ctx.db.select().from(users).where(eq(users.accountId, other.accountId));
    const ofOther = eq(oauthAccessTokens.userId, otherUser!.id);
    await instance.ctx.db
      .update(oauthAccessTokens)
      .set({ revokedAt: new Date(Date.now() - 1000) })
      .where(ofOther);
    await runVacuum(instance.ctx);
    assert.equal((await instance.ctx.db.select().from(oauthAccessTokens).where(ofOther)).length, 0);
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: member.token })).status, 200, 'a live token stays');
  });
  it('the vacuum forgets members’ active days older than six months (the active_users measure’s)', async () => {
    const [user] = await instance.ctx.db.select().from(users).where(eq(users.accountId, member.accountId));
    const old = new Date(Date.now() - 200 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const recent = new Date(Date.now() - 100 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    await instance.ctx.db.insert(userActivityDays).values([
      { day: old, userId: user!.id },
      { day: recent, userId: user!.id },
    ]);
    await runVacuum(instance.ctx);
    const kept = await instance.ctx.db.select().from(userActivityDays).where(eq(userActivityDays.userId, user!.id));
    assert.ok(kept.some((row) => row.day === recent));
    assert.ok(!kept.some((row) => row.day === old));
  });
});
