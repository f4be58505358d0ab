import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, KyselyUserStore, type LifeguardStore } from '@lifeguard/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_CONFIG } from '../config/server.config.js';
import { UserService } from './user.service.js';

describe('UserService sessions (fake clock, real SQLite)', () => {
  let dir: string;
  let store: LifeguardStore;
  let now = Date.parse('2026-03-01T08:00:00Z');
  let users: UserService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeguard-usersvc-'));
    store = await createStore({ dataDir: dir });
    users = new UserService(
      new KyselyUserStore(store.kysely),
      { ...DEFAULT_SERVER_CONFIG.auth, sessionIdleMinutes: 30, sessionAbsoluteHours: 2 },
      () => now,
      { N: 1024, r: 8, p: 1 },
    );
    await users.create('ivy', 'ivy password 1', ['reviewer']);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends a session after the idle limit', async () => {
    const { token } = await users.login({ username: 'ivy', password: 'ivy password 1', ip: '::1' });
    now += 29 * 60_000;
    expect(await users.authenticate(token)).toMatchObject({ kind: 'user', username: 'ivy' });
    now += 29 * 60_000; // used 29 minutes ago: still alive
    expect(await users.authenticate(token)).toBeDefined();
    now += 31 * 60_000;
    expect(await users.authenticate(token)).toBeUndefined();
  });

  it('ends a busy session at the absolute limit', async () => {
    const { token } = await users.login({ username: 'ivy', password: 'ivy password 1', ip: '::1' });
    for (let i = 0; i < 7; i++) {
      now += 15 * 60_000;
      expect(await users.authenticate(token)).toBeDefined();
    }
    now += 16 * 60_000; // 2 h 1 min after login
    expect(await users.authenticate(token)).toBeUndefined();
  });

  it('reports logins and failures without the password', async () => {
    const seen: string[] = [];
    users.events = {
      loggedIn: (u) => void seen.push(`in:${u.username}`),
      loginFailed: (name, why) => void seen.push(`fail:${name}:${why}`),
    };
    await users.login({ username: 'ivy', password: 'ivy password 1', ip: '::1' });
    await expect(
      users.login({ username: 'ivy', password: 'not it at all', ip: '::1' }),
    ).rejects.toMatchObject({ code: 'LG_ERR_LOGIN_FAILED' });
    await expect(
      users.login({ username: 'zed', password: 'not it at all', ip: '::1' }),
    ).rejects.toThrow();
    expect(seen).toEqual(['in:ivy', 'fail:ivy:bad_password', 'fail:zed:unknown_user']);
    users.events = {};
  });
});
