import { createHash, randomBytes } from 'node:crypto';
import { ErrorCodes, LifeguardError, ROLES, type Role } from '@lifeguard/core';
import {
  publicUser,
  type KyselyUserStore,
  type UserCredentials,
  type UserRecord,
} from '@lifeguard/store';
import type { AuthConfig } from '../config/server.config.js';
import { LoginThrottle } from './login.throttle.js';
import {
  checkPasswordPolicy,
  hashPassword,
  verifyDummy,
  verifyPassword,
  type ScryptParams,
} from './password.hasher.js';
import type { Principal, UserPrincipal } from './principal.model.js';
import { matchTotp, newTotpSecret, otpauthUri } from './totp.js';

/** What a successful login hands back (the token goes into the cookie, nowhere else). */
export interface LoginResult {
  /** The session id: 256 random bits, base64url. Only its SHA-256 is stored. */
  readonly token: string;
  /** The CSRF token the console sends back in `X-Lifeguard-CSRF` on mutating requests. */
  readonly csrf: string;
  /** Epoch ms of the session's absolute expiry. */
  readonly expiresAt: number;
  /** The user. */
  readonly user: UserRecord;
}

/** Why a login attempt failed (for the audit log; the client only sees LOGIN_FAILED). */
export type LoginFailure = 'unknown_user' | 'bad_password' | 'disabled' | 'totp' | 'throttled';

/** Receives login outcomes, e.g. to append them to the audit log. */
export interface AuthEvents {
  /** A login succeeded. */
  loggedIn?(user: UserRecord, ip: string): void | Promise<void>;
  /** A login failed (the username as typed, lowercased and truncated). */
  loginFailed?(username: string, why: LoginFailure, ip: string): void | Promise<void>;
  /** A user logged out. */
  loggedOut?(user: UserPrincipal): void | Promise<void>;
  /** A user account was created or changed (`what`: created, roles, disabled, password_reset, ...). */
  changed?(actor: Principal, target: UserRecord, what: string): void | Promise<void>;
}

/** SHA-256 (hex) of a session token: the key the session is stored under. */
export function sessionHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The CSRF token bound to a session token (derivable only by someone holding the cookie). */
export function csrfTokenFor(token: string): string {
  return createHash('sha256').update(`lifeguard-csrf\0${token}`, 'utf8').digest('base64url');
}

/** Lowercase, trimmed; 1..64 of letters, digits, `.`, `_`, `-`, `@`. */
export function normaliseUsername(name: string): string {
  const u = typeof name === 'string' ? name.trim().toLowerCase() : '';
  if (!/^[a-z0-9._@-]{1,64}$/.test(u)) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      'username must be 1..64 characters of letters, digits, . _ - @',
    );
  }
  return u;
}

/** Check a role list: known roles, at least one, no repeats. */
export function checkRoles(roles: readonly string[]): Role[] {
  if (!Array.isArray(roles) || roles.length === 0) {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'a user needs at least one role');
  }
  for (const r of roles) {
    if (!ROLES.includes(r as Role)) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        `unknown role '${String(r).slice(0, 40)}' (one of ${ROLES.join(', ')})`,
      );
    }
  }
  return [...new Set(roles as Role[])];
}

/**
 * Console users: accounts, password checks, TOTP and sessions. Sessions end after
 * `sessionIdleMinutes` without a request or `sessionAbsoluteHours` after login, whichever comes
 * first, at logout, when the password changes, and when the user is disabled. Their last use
 * is written at most once a minute, so the idle limit is precise to about a minute.
 */
export class UserService {
  private readonly userThrottle: LoginThrottle;
  private readonly ipThrottle: LoginThrottle;
  private readonly lastTouch = new Map<string, number>();
  /** Receives login outcomes (set by the server once the audit log is wired). */
  events: AuthEvents = {};

  /**
   * @param store users and sessions
   * @param config session and throttling settings
   * @param now clock in epoch ms (injectable for tests)
   * @param scryptParams hashing cost for new passwords
   */
  constructor(
    private readonly store: KyselyUserStore,
    private readonly config: AuthConfig,
    private readonly now: () => number = Date.now,
    private readonly scryptParams?: ScryptParams,
  ) {
    const window = config.loginLockoutSeconds * 1000;
    this.userThrottle = new LoginThrottle(config.loginMaxFailures, window, window, now);
    this.ipThrottle = new LoginThrottle(config.loginMaxFailuresPerIp, window, window, now);
  }

  /** Create a user (password policy enforced, roles checked). */
  async create(username: string, password: string, roles: readonly string[]): Promise<UserRecord> {
    const name = normaliseUsername(username);
    const checked = checkRoles(roles);
    checkPasswordPolicy(password);
    return this.store.create({
      id: randomBytes(8).toString('hex'),
      username: name,
      passwordHash: await hashPassword(password, this.scryptParams),
      roles: checked,
    });
  }

  /** Every user (no secrets). */
  list(): Promise<UserRecord[]> {
    return this.store.list();
  }

  /** One user by id or username; throws `LG_ERR_NOT_FOUND`. */
  async get(idOrName: string): Promise<UserRecord> {
    return publicUser(await this.credentials(idOrName));
  }

  private async credentials(idOrName: string): Promise<UserCredentials> {
    const u =
      (await this.store.findById(idOrName)) ??
      (await this.store.findByUsername(idOrName.trim().toLowerCase()));
    if (!u) throw new LifeguardError(ErrorCodes.NOT_FOUND, 'user not found');
    return u;
  }

  /**
   * Change roles or disable/enable. Disabling ends every session of the user. Refuses to
   * leave no enabled admin (`LG_ERR_CONFLICT`), so an installation cannot lock itself out.
   */
  async update(
    idOrName: string,
    patch: { roles?: readonly string[]; disabled?: boolean },
  ): Promise<UserRecord> {
    const u = await this.credentials(idOrName);
    const roles = patch.roles === undefined ? undefined : checkRoles(patch.roles);
    const losesAdmin =
      u.roles.includes('admin') &&
      !u.disabled &&
      (patch.disabled === true || (roles !== undefined && !roles.includes('admin')));
    if (losesAdmin && (await this.store.countEnabledWithRole('admin')) <= 1) {
      throw new LifeguardError(ErrorCodes.CONFLICT, 'this is the last enabled admin');
    }
    const updated = await this.store.update(u.id, {
      ...(roles !== undefined ? { roles } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
    });
    if (patch.disabled === true || roles !== undefined) await this.store.revokeUserSessions(u.id);
    return publicUser(updated);
  }

  /**
   * Set a new password and end every other session of the user. With `current`, the current
   * password must match (a user changing their own); without it, an admin reset. `keep` is the
   * session that asked (it stays logged in).
   */
  async setPassword(
    idOrName: string,
    password: string,
    opts: { current?: string; keep?: string } = {},
  ): Promise<UserRecord> {
    const u = await this.credentials(idOrName);
    if (opts.current !== undefined && !(await verifyPassword(opts.current, u.passwordHash))) {
      throw new LifeguardError(ErrorCodes.LOGIN_FAILED, 'current password is wrong');
    }
    checkPasswordPolicy(password);
    const updated = await this.store.update(u.id, {
      passwordHash: await hashPassword(password, this.scryptParams),
    });
    await this.store.revokeUserSessions(u.id, opts.keep);
    return publicUser(updated);
  }

  /**
   * Check a login and open a session. Every failure is the same `LG_ERR_LOGIN_FAILED` to the
   * client (no hint whether the user exists), except: a correct password without a needed TOTP
   * code answers `details.totpRequired`, and a locked-out username or address answers
   * `LG_ERR_RATE_LIMITED` with the wait. Unknown users cost a full scrypt check too.
   */
  async login(input: {
    username: string;
    password: string;
    totp?: string | undefined;
    ip: string;
  }): Promise<LoginResult> {
    const name = typeof input.username === 'string' ? input.username.trim().toLowerCase() : '';
    const logName = name.slice(0, 64);
    const userKey = `u:${name}`;
    const ipKey = `ip:${input.ip}`;
    const wait = Math.max(this.userThrottle.retryAfter(userKey), this.ipThrottle.retryAfter(ipKey));
    if (wait > 0) {
      await this.events.loginFailed?.(logName, 'throttled', input.ip);
      throw new LifeguardError(ErrorCodes.RATE_LIMITED, 'too many failed logins; try later', {
        retryAfterSeconds: wait,
      });
    }
    const fail = async (why: LoginFailure): Promise<never> => {
      this.userThrottle.fail(userKey);
      this.ipThrottle.fail(ipKey);
      await this.events.loginFailed?.(logName, why, input.ip);
      throw new LifeguardError(ErrorCodes.LOGIN_FAILED, 'wrong username, password or code');
    };
    const u = await this.store.findByUsername(name);
    if (!u) {
      await verifyDummy(input.password);
      return fail('unknown_user');
    }
    if (!(await verifyPassword(input.password, u.passwordHash))) return fail('bad_password');
    if (u.disabled) return fail('disabled');
    if (u.totpSecret !== null) {
      if (input.totp === undefined || input.totp === '') {
        // The password was right: say a code is needed (not counted as a failure).
        throw new LifeguardError(ErrorCodes.LOGIN_FAILED, 'a TOTP code is required', {
          totpRequired: true,
        });
      }
      const step = matchTotp(u.totpSecret, input.totp.trim(), this.now());
      if (step === undefined || !(await this.store.claimTotpStep(u.id, step))) {
        return fail('totp');
      }
    }
    this.userThrottle.succeed(userKey);
    const token = randomBytes(32).toString('base64url');
    const t = this.now();
    const expiresAt = t + this.config.sessionAbsoluteHours * 3_600_000;
    await this.store.createSession({
      idSha256: sessionHash(token),
      userId: u.id,
      createdAt: new Date(t).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
    });
    const user = publicUser(u);
    await this.events.loggedIn?.(user, input.ip);
    return { token, csrf: csrfTokenFor(token), expiresAt, user };
  }

  /**
   * The user behind a session token, or undefined when the session is unknown, revoked,
   * expired (absolute or idle) or its user is disabled.
   */
  async authenticate(token: string): Promise<UserPrincipal | undefined> {
    if (token.length < 20 || token.length > 100) return undefined;
    const h = sessionHash(token);
    const s = await this.store.findSession(h);
    const t = this.now();
    if (!s || s.revokedAt !== null) return undefined;
    if (Date.parse(s.expiresAt) <= t) return undefined;
    const lastSeen = Math.max(Date.parse(s.lastSeenAt), this.lastTouch.get(h) ?? 0);
    if (t - lastSeen > this.config.sessionIdleMinutes * 60_000) return undefined;
    const u = await this.store.findById(s.userId);
    if (!u || u.disabled) return undefined;
    if (t - (this.lastTouch.get(h) ?? Date.parse(s.lastSeenAt)) >= 60_000) {
      this.lastTouch.set(h, t);
      if (this.lastTouch.size > 50_000) this.lastTouch.clear();
      await this.store.touchSession(h, new Date(t).toISOString());
    }
    return { kind: 'user', userId: u.id, username: u.username, roles: u.roles, sessionHash: h };
  }

  /** End one session (logout). */
  async logout(sessionHashHex: string): Promise<void> {
    await this.store.revokeSession(sessionHashHex);
    this.lastTouch.delete(sessionHashHex);
  }

  /**
   * Start TOTP enrolment: a fresh secret is stored as pending and returned with its
   * `otpauth://` URI (for a QR code or manual entry). TOTP is not required until confirmed.
   */
  async enrolTotp(userId: string): Promise<{ secret: string; uri: string }> {
    const u = await this.credentials(userId);
    const secret = newTotpSecret();
    await this.store.update(u.id, { totpPending: secret });
    return { secret, uri: otpauthUri(secret, u.username) };
  }

  /** Confirm enrolment with a current code; from then on login needs a code. */
  async confirmTotp(userId: string, code: string): Promise<UserRecord> {
    const u = await this.credentials(userId);
    if (u.totpPending === null) {
      throw new LifeguardError(ErrorCodes.CONFLICT, 'no TOTP enrolment is pending');
    }
    const step = matchTotp(u.totpPending, String(code).trim(), this.now());
    if (step === undefined) {
      throw new LifeguardError(ErrorCodes.LOGIN_FAILED, 'the TOTP code does not match');
    }
    await this.store.update(u.id, { totpSecret: u.totpPending, totpPending: null });
    // The confirming code is used up, like any other.
    await this.store.claimTotpStep(u.id, step);
    return publicUser((await this.store.findById(u.id))!);
  }

  /** Turn TOTP off (admin reset for a lost device). */
  async disableTotp(idOrName: string): Promise<UserRecord> {
    const u = await this.credentials(idOrName);
    return publicUser(await this.store.update(u.id, { totpSecret: null, totpPending: null }));
  }

  /** Delete sessions that ended more than a day ago. */
  async prune(): Promise<number> {
    return this.store.pruneSessions(new Date(this.now() - 86_400_000).toISOString());
  }
}
