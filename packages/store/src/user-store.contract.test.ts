/**
 * Contract of {@link KyselyUserStore} on SQLite and PostgreSQL (an isolated schema; fails
 * rather than skips under CI when PostgreSQL is down): unique usernames, patches, the
 * one-time TOTP step claim, sessions (revoke one, revoke all but one, prune, cascade).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type LifeguardStore } from './create-store.factory.js';
import { createTestSchema, pgTestMode, pgTestUrl } from './testing/pg-test.helper.js';
import { KyselyUserStore } from './user-store.kysely.js';

function contract(
  name: string,
  open: () => Promise<{ store: LifeguardStore; cleanup: () => Promise<void> }>,
): void {
  describe(`UserStore contract: ${name}`, () => {
    let store: LifeguardStore;
    let cleanup: () => Promise<void>;
    let users: KyselyUserStore;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
      users = new KyselyUserStore(store.kysely);
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('creates users with unique names and patches them', async () => {
      const a = await users.create({
        id: 'u1',
        username: 'ana',
        passwordHash: 'h1',
        roles: ['admin'],
      });
      expect(a).toMatchObject({
        id: 'u1',
        username: 'ana',
        roles: ['admin'],
        disabled: false,
        totpEnabled: false,
      });
      expect(a).not.toHaveProperty('passwordHash');
      await expect(
        users.create({ id: 'u2', username: 'ana', passwordHash: 'h2', roles: ['reviewer'] }),
      ).rejects.toMatchObject({ code: 'LG_ERR_CONFLICT' });
      await users.create({ id: 'u2', username: 'ben', passwordHash: 'h2', roles: ['reviewer'] });
      expect((await users.list()).map((u) => u.username)).toEqual(['ana', 'ben']);
      expect(await users.countEnabledWithRole('admin')).toBe(1);
      const b = await users.update('u2', {
        roles: ['reviewer', 'child_safety_reviewer'],
        disabled: true,
        passwordHash: 'h3',
      });
      expect(b).toMatchObject({
        roles: ['reviewer', 'child_safety_reviewer'],
        disabled: true,
        passwordHash: 'h3',
      });
      expect((await users.findByUsername('ben'))?.passwordHash).toBe('h3');
      await expect(users.update('nobody', { disabled: true })).rejects.toMatchObject({
        code: 'LG_ERR_NOT_FOUND',
      });
    });

    it('accepts each TOTP step once and only moving forward', async () => {
      await users.update('u1', { totpSecret: 'JBSWY3DPEHPK3PXP' });
      expect((await users.findById('u1'))?.totpEnabled).toBe(true);
      expect(await users.claimTotpStep('u1', 1000)).toBe(true);
      expect(await users.claimTotpStep('u1', 1000)).toBe(false);
      expect(await users.claimTotpStep('u1', 999)).toBe(false);
      expect(await users.claimTotpStep('u1', 1001)).toBe(true);
      const both = await Promise.all([
        users.claimTotpStep('u1', 1002),
        users.claimTotpStep('u1', 1002),
      ]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect((await users.findById('u1'))?.totpLastStep).toBe(1002);
    });

    it('stores sessions by hash, revokes one or all but one, prunes, cascades on delete', async () => {
      const mk = (h: string, userId: string, exp: string): Promise<unknown> =>
        users.createSession({
          idSha256: h,
          userId,
          createdAt: '2026-01-01T00:00:00.000Z',
          expiresAt: exp,
        });
      await mk('s1', 'u1', '2030-01-01T00:00:00.000Z');
      await mk('s2', 'u1', '2030-01-01T00:00:00.000Z');
      await mk('s3', 'u1', '2030-01-01T00:00:00.000Z');
      await mk('s4', 'u2', '2020-01-01T00:00:00.000Z');
      expect(await users.findSession('s1')).toMatchObject({ userId: 'u1', revokedAt: null });
      await users.touchSession('s1', '2026-01-01T00:05:00.000Z');
      expect((await users.findSession('s1'))?.lastSeenAt).toBe('2026-01-01T00:05:00.000Z');
      await users.revokeSession('s1');
      expect((await users.findSession('s1'))?.revokedAt).not.toBeNull();
      expect(await users.revokeUserSessions('u1', 's3')).toBe(1);
      expect((await users.findSession('s2'))?.revokedAt).not.toBeNull();
      expect((await users.findSession('s3'))?.revokedAt).toBeNull();
      expect(await users.pruneSessions('2026-06-01T00:00:00.000Z')).toBe(1); // s4 expired
      expect(await users.findSession('s4')).toBeUndefined();
      expect(await users.pruneSessions('2099-01-01T00:00:00.000Z')).toBe(3);
    });
  });
}

contract('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeguard-users-'));
  return createStore({ dataDir: dir }).then((store) => ({
    store,
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  }));
});

const mode = await pgTestMode();
if (mode === 'run') {
  contract('PostgreSQL', async () => {
    const s = await createTestSchema();
    const store = await createStore({ databaseUrl: s.url, pgSchema: s.schema, pgPoolSize: 2 });
    return { store, cleanup: () => s.drop() };
  });
} else {
  describe('UserStore contract: PostgreSQL', () => {
    it.skipIf(mode === 'skip')('PostgreSQL is reachable', () => {
      throw new Error(`PostgreSQL is not reachable at ${pgTestUrl()} (CI is set)`);
    });
  });
}
