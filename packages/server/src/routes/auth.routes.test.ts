/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any --
   HTTP tests read JSON answers whose shape is exactly what they assert. */
/**
 * Console auth over HTTP (Fastify inject, real SQLite): login, cookie attributes, CSRF,
 * role checks, key-vs-session separation, TOTP with no code reuse, logout, password change and
 * disable ending sessions, login throttling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type LifeguardStore } from '@lifeguard/store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.factory.js';
import { base32Decode, hotp, totpStep } from '../auth/totp.js';
import { DEFAULT_SERVER_CONFIG } from '../config/server.config.js';
import { ServerContext } from '../server.context.js';

let dir: string;
let store: LifeguardStore;
let ctx: ServerContext;
let app: FastifyInstance;
let adminKey: string;

interface Session {
  cookie: string;
  csrf: string;
}

async function login(username: string, password: string, totp?: string): Promise<any> {
  return app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { username, password, ...(totp !== undefined ? { totp } : {}) },
  });
}

async function session(username: string, password: string): Promise<Session> {
  const r = await login(username, password);
  expect(r.statusCode).toBe(200);
  const c = r.cookies.find((x: any) => x.name === 'lg_session');
  return { cookie: `lg_session=${c.value}`, csrf: r.json().csrf };
}

function as(s: Session, method: string, url: string, payload?: unknown, csrf = true): Promise<any> {
  return app.inject({
    method: method as 'GET',
    url,
    headers: { cookie: s.cookie, ...(csrf ? { 'x-lifeguard-csrf': s.csrf } : {}) },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeguard-auth-'));
  store = await createStore({ dataDir: dir });
  ctx = new ServerContext(
    {
      ...DEFAULT_SERVER_CONFIG,
      limits: { ...DEFAULT_SERVER_CONFIG.limits, hashWorkers: 1 },
      auth: { ...DEFAULT_SERVER_CONFIG.auth, loginMaxFailures: 3 },
    },
    store,
    () => undefined,
  );
  adminKey = (await ctx.keys.issue('test admin', ['admin'])).key;
  app = await buildApp(ctx, { isLoaded: () => true });
  await ctx.users.create('root', 'root password 1', ['admin']);
  await ctx.users.create('rita', 'rita password 1', ['reviewer']);
});

afterAll(async () => {
  await app?.close();
  await ctx?.stop();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('console auth', () => {
  it('logs in with an HttpOnly SameSite=Strict cookie and answers /me', async () => {
    const bad = await login('root', 'wrong password!');
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('LG_ERR_LOGIN_FAILED');
    expect((await login('nobody', 'whatever at all')).json().detail).toBe(bad.json().detail);
    const r = await login('ROOT', 'root password 1');
    expect(r.statusCode).toBe(200);
    const setCookie = String(r.headers['set-cookie']);
    expect(setCookie).toMatch(/^lg_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    expect(r.json().user).toMatchObject({ username: 'root', roles: ['admin'] });
    expect(JSON.stringify(r.json())).not.toMatch(/scrypt|password_hash/);
    const s = await session('root', 'root password 1');
    const me = await as(s, 'GET', '/v1/auth/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { username: 'root' }, csrf: s.csrf });
    expect((await app.inject({ method: 'GET', url: '/v1/auth/me' })).statusCode).toBe(401);
    const forged = await app.inject({
      method: 'GET',
      url: '/v1/auth/me',
      headers: { cookie: 'lg_session=' + 'A'.repeat(43) },
    });
    expect(forged.statusCode).toBe(401);
  });

  it('refuses a login body that is not JSON (login CSRF)', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=root&password=root+password+1',
    });
    expect(r.statusCode).toBe(415);
  });

  it('requires the CSRF header on mutating requests and checks roles', async () => {
    const root = await session('root', 'root password 1');
    const noCsrf = await as(
      root,
      'POST',
      '/v1/users',
      { username: 'x1', password: 'x1 password 1', roles: ['reviewer'] },
      false,
    );
    expect(noCsrf.statusCode).toBe(403);
    const wrong = await app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: { cookie: root.cookie, 'x-lifeguard-csrf': 'A'.repeat(43) },
      payload: { username: 'x1', password: 'x1 password 1', roles: ['reviewer'] },
    });
    expect(wrong.statusCode).toBe(403);
    const ok = await as(root, 'POST', '/v1/users', {
      username: 'cara',
      password: 'cara password 1',
      roles: ['child_safety_reviewer'],
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ username: 'cara', roles: ['child_safety_reviewer'] });
    const rita = await session('rita', 'rita password 1');
    expect((await as(rita, 'GET', '/v1/users')).statusCode).toBe(403);
    expect((await as(root, 'GET', '/v1/users')).json().users.map((u: any) => u.username)).toEqual([
      'cara',
      'rita',
      'root',
    ]);
    const short = await as(root, 'POST', '/v1/users', {
      username: 'dan',
      password: 'short',
      roles: ['reviewer'],
    });
    expect(short.statusCode).toBe(400);
    const dup = await as(root, 'POST', '/v1/users', {
      username: 'Cara',
      password: 'cara password 2',
      roles: ['reviewer'],
    });
    expect(dup.statusCode).toBe(409);
  });

  it('keeps API keys and sessions apart: keys for machine routes, either for /v1/users', async () => {
    const root = await session('root', 'root password 1');
    expect((await as(root, 'GET', '/v1/keys')).statusCode).toBe(401);
    const byKey = await app.inject({
      method: 'GET',
      url: '/v1/users',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(byKey.statusCode).toBe(200);
    const keyOnMe = await app.inject({
      method: 'GET',
      url: '/v1/auth/me',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(keyOnMe.statusCode).toBe(403);
    const scanKey = (await ctx.keys.issue('scanner', ['scan'])).key;
    const weak = await app.inject({
      method: 'GET',
      url: '/v1/users',
      headers: { authorization: `Bearer ${scanKey}` },
    });
    expect(weak.statusCode).toBe(403);
  });

  it('enrols TOTP, then needs a code at login and never accepts one twice', async () => {
    await ctx.users.create('tess', 'tess password 1', ['reviewer']);
    const s = await session('tess', 'tess password 1');
    const enrol = await as(s, 'POST', '/v1/auth/totp/enrol');
    expect(enrol.statusCode).toBe(200);
    const { secret, uri } = enrol.json();
    expect(uri).toMatch(/^otpauth:\/\/totp\/Lifeguard:tess\?/);
    const key = base32Decode(secret);
    const now = totpStep(Date.now());
    expect(
      (
        await as(s, 'POST', '/v1/auth/totp/confirm', {
          code: '000000' === hotp(key, now) ? '111111' : '000000',
        })
      ).statusCode,
    ).toBe(401);
    const confirmed = await as(s, 'POST', '/v1/auth/totp/confirm', { code: hotp(key, now) });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json().totpEnabled).toBe(true);
    const need = await login('tess', 'tess password 1');
    expect(need.statusCode).toBe(401);
    expect(need.json().details).toEqual({ totpRequired: true });
    // The confirming code (step now) is used up; the next step's code works once.
    expect((await login('tess', 'tess password 1', hotp(key, now))).statusCode).toBe(401);
    const next = hotp(key, now + 1);
    expect((await login('tess', 'tess password 1', next)).statusCode).toBe(200);
    expect((await login('tess', 'tess password 1', next)).statusCode).toBe(401);
    // An admin can turn it off (lost device).
    const root = await session('root', 'root password 1');
    expect((await as(root, 'DELETE', '/v1/users/tess/totp')).json().totpEnabled).toBe(false);
    expect((await login('tess', 'tess password 1')).statusCode).toBe(200);
  });

  it('logout, password change and disabling end sessions', async () => {
    await ctx.users.create('paul', 'paul password 1', ['lead']);
    const a = await session('paul', 'paul password 1');
    const b = await session('paul', 'paul password 1');
    const c = await session('paul', 'paul password 1');
    expect((await as(a, 'POST', '/v1/auth/logout')).statusCode).toBe(204);
    expect((await as(a, 'GET', '/v1/auth/me')).statusCode).toBe(401);
    const wrongCurrent = await as(b, 'POST', '/v1/auth/password', {
      current: 'nope nope nope',
      password: 'paul password 2',
    });
    expect(wrongCurrent.statusCode).toBe(401);
    const changed = await as(b, 'POST', '/v1/auth/password', {
      current: 'paul password 1',
      password: 'paul password 2',
    });
    expect(changed.statusCode).toBe(200);
    expect((await as(b, 'GET', '/v1/auth/me')).statusCode).toBe(200); // the one that changed it
    expect((await as(c, 'GET', '/v1/auth/me')).statusCode).toBe(401);
    expect((await login('paul', 'paul password 1')).statusCode).toBe(401);
    const root = await session('root', 'root password 1');
    expect((await as(root, 'PATCH', '/v1/users/paul', { disabled: true })).json().disabled).toBe(
      true,
    );
    expect((await as(b, 'GET', '/v1/auth/me')).statusCode).toBe(401);
    expect((await login('paul', 'paul password 2')).statusCode).toBe(401);
    // The last enabled admin cannot be disabled or demoted.
    const self = await as(root, 'PATCH', '/v1/users/root', { roles: ['reviewer'] });
    expect(self.statusCode).toBe(409);
  });

  it('locks a username out after repeated failures (429 with Retry-After)', async () => {
    await ctx.users.create('lou', 'lou password 11', ['reviewer']);
    for (let i = 0; i < 3; i++)
      expect((await login('lou', `wrong ${i} password`)).statusCode).toBe(401);
    const locked = await login('lou', 'lou password 11');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Other users are not affected.
    expect((await login('rita', 'rita password 1')).statusCode).toBe(200);
  });

  it('audits logins, failures, logouts and user changes without secrets', async () => {
    const records = await ctx.audit.list({ afterSeq: 0, limit: 1000 });
    const actions = new Set(records.map((r) => r.type));
    for (const a of ['login', 'login_failed', 'logout', 'user_change'])
      expect(actions).toContain(a);
    const text = JSON.stringify(records);
    expect(text).not.toMatch(/password 1|password 2|scrypt|lg_session/);
    // A failed login for an unknown name records no name (it may be a mistyped password).
    const unknown = records.filter(
      (r) => r.type === 'login_failed' && (r.data as any).reason === 'unknown_user',
    );
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.every((r) => r.subject === null)).toBe(true);
    expect(text).not.toContain('nobody');
  });
});
