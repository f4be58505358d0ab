import { ErrorCodes, LifeguardError, ROLES, type Role } from '@lifeguard/core';
import type { Kysely } from 'kysely';
import type { Database } from './database.model.js';

/** Row of `lg_users` (migration `0007_users`). */
export interface UsersTable {
  /** Random user id (hex). */
  id: string;
  /** Login name, lowercase. */
  username: string;
  /** `scrypt$N$r$p$salt$hash` (base64url parts). */
  password_hash: string;
  /** JSON array of {@link Role}. */
  roles: string;
  /** 1 when the user may not log in. */
  disabled: number;
  /** Base32 TOTP secret once enrolment is confirmed, else null. */
  totp_secret: string | null;
  /** Base32 TOTP secret offered by an enrolment not yet confirmed. */
  totp_pending: string | null;
  /** Last accepted TOTP time step (a code is accepted once). */
  totp_last_step: number | string | null;
  /** ISO-8601 creation time. */
  created_at: string;
  /** ISO-8601 time of the last change. */
  updated_at: string;
  /** ISO-8601 time the password was last set. */
  password_changed_at: string;
}

/** Row of `lg_sessions` (migration `0007_users`). */
export interface SessionsTable {
  /** Lowercase hex SHA-256 of the session id (the id itself is only in the cookie). */
  id_sha256: string;
  /** Owner. */
  user_id: string;
  /** ISO-8601 creation time. */
  created_at: string;
  /** ISO-8601 time of the last authenticated request (coarse). */
  last_seen_at: string;
  /** ISO-8601 absolute expiry. */
  expires_at: string;
  /** ISO-8601 revocation (logout, password change), or null. */
  revoked_at: string | null;
}

/** A user as shown to administrators (no password hash, no TOTP secret). */
export interface UserRecord {
  /** User id. */
  readonly id: string;
  /** Login name. */
  readonly username: string;
  /** Roles. */
  readonly roles: readonly Role[];
  /** True when the user may not log in. */
  readonly disabled: boolean;
  /** True when TOTP is required at login. */
  readonly totpEnabled: boolean;
  /** ISO-8601 creation time. */
  readonly createdAt: string;
  /** ISO-8601 last change. */
  readonly updatedAt: string;
  /** ISO-8601 time the password was last set. */
  readonly passwordChangedAt: string;
}

/** A user with the secrets needed to authenticate them (never leaves the server). */
export interface UserCredentials extends UserRecord {
  /** Encoded scrypt hash. */
  readonly passwordHash: string;
  /** Confirmed TOTP secret (base32), or null. */
  readonly totpSecret: string | null;
  /** Unconfirmed TOTP secret (base32), or null. */
  readonly totpPending: string | null;
  /** Last accepted TOTP step, or null. */
  readonly totpLastStep: number | null;
}

/** What may change on a user. */
export interface UserPatch {
  /** New roles. */
  readonly roles?: readonly Role[];
  /** Disable or re-enable. */
  readonly disabled?: boolean;
  /** New encoded password hash (also sets `password_changed_at`). */
  readonly passwordHash?: string;
  /** Confirmed TOTP secret (null turns TOTP off). */
  readonly totpSecret?: string | null;
  /** Pending TOTP secret. */
  readonly totpPending?: string | null;
}

/** A stored session. */
export interface SessionRecord {
  /** SHA-256 of the session id. */
  readonly idSha256: string;
  /** Owner. */
  readonly userId: string;
  /** ISO-8601 creation. */
  readonly createdAt: string;
  /** ISO-8601 last use. */
  readonly lastSeenAt: string;
  /** ISO-8601 absolute expiry. */
  readonly expiresAt: string;
  /** ISO-8601 revocation, or null. */
  readonly revokedAt: string | null;
}

type Tables = { lg_users: UsersTable; lg_sessions: SessionsTable };
type Db = Kysely<Database & Tables>;

function parseRoles(json: string): Role[] {
  const v = JSON.parse(json) as unknown;
  return Array.isArray(v) ? (v.filter((r) => ROLES.includes(r as Role)) as Role[]) : [];
}

function toCredentials(r: UsersTable): UserCredentials {
  return {
    id: r.id,
    username: r.username,
    roles: parseRoles(r.roles),
    disabled: r.disabled !== 0,
    totpEnabled: r.totp_secret !== null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    passwordChangedAt: r.password_changed_at,
    passwordHash: r.password_hash,
    totpSecret: r.totp_secret,
    totpPending: r.totp_pending,
    totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
  };
}

/** Strip the secrets of a {@link UserCredentials}. */
export function publicUser(u: UserCredentials): UserRecord {
  return {
    id: u.id,
    username: u.username,
    roles: u.roles,
    disabled: u.disabled,
    totpEnabled: u.totpEnabled,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
    passwordChangedAt: u.passwordChangedAt,
  };
}

function toSession(r: SessionsTable): SessionRecord {
  return {
    idSha256: r.id_sha256,
    userId: r.user_id,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

/**
 * Console users and their sessions in the Lifeguard database (both dialects). Usernames are
 * stored lowercase; callers normalise before calling. Password hashing and TOTP checks live in
 * the server: this class only stores what it is given.
 */
export class KyselyUserStore {
  private readonly db: Db;

  /** @param db the store's Kysely instance */
  constructor(db: Kysely<Database>) {
    this.db = db.withTables<Tables>();
  }

  /** Insert a user. Throws `LG_ERR_CONFLICT` when the username is taken. */
  async create(u: {
    id: string;
    username: string;
    passwordHash: string;
    roles: readonly Role[];
  }): Promise<UserRecord> {
    const now = new Date().toISOString();
    const row: UsersTable = {
      id: u.id,
      username: u.username,
      password_hash: u.passwordHash,
      roles: JSON.stringify(u.roles),
      disabled: 0,
      totp_secret: null,
      totp_pending: null,
      totp_last_step: null,
      created_at: now,
      updated_at: now,
      password_changed_at: now,
    };
    try {
      await this.db.insertInto('lg_users').values(row).execute();
    } catch (e) {
      if (await this.findByUsername(u.username)) {
        throw new LifeguardError(ErrorCodes.CONFLICT, `user '${u.username}' already exists`);
      }
      throw e;
    }
    return publicUser(toCredentials(row));
  }

  /** The user with this (lowercase) username, or undefined. */
  async findByUsername(username: string): Promise<UserCredentials | undefined> {
    const r = await this.db
      .selectFrom('lg_users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return r ? toCredentials(r) : undefined;
  }

  /** The user with this id, or undefined. */
  async findById(id: string): Promise<UserCredentials | undefined> {
    const r = await this.db
      .selectFrom('lg_users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toCredentials(r) : undefined;
  }

  /** Every user, by username. */
  async list(): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('lg_users').selectAll().orderBy('username').execute();
    return rows.map((r) => publicUser(toCredentials(r)));
  }

  /** Number of enabled users holding `role`. */
  async countEnabledWithRole(role: Role): Promise<number> {
    const rows = await this.db
      .selectFrom('lg_users')
      .select('roles')
      .where('disabled', '=', 0)
      .execute();
    return rows.filter((r) => parseRoles(r.roles).includes(role)).length;
  }

  /** Apply a patch; throws `LG_ERR_NOT_FOUND`. Returns the updated user. */
  async update(id: string, patch: UserPatch): Promise<UserCredentials> {
    const now = new Date().toISOString();
    const set: Partial<UsersTable> = { updated_at: now };
    if (patch.roles !== undefined) set.roles = JSON.stringify(patch.roles);
    if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
    if (patch.passwordHash !== undefined) {
      set.password_hash = patch.passwordHash;
      set.password_changed_at = now;
    }
    if (patch.totpSecret !== undefined) {
      set.totp_secret = patch.totpSecret;
      set.totp_last_step = null;
    }
    if (patch.totpPending !== undefined) set.totp_pending = patch.totpPending;
    const res = await this.db.updateTable('lg_users').set(set).where('id', '=', id).execute();
    if (Number(res[0]?.numUpdatedRows ?? 0) === 0) {
      throw new LifeguardError(ErrorCodes.NOT_FOUND, `user '${id}' not found`);
    }
    return (await this.findById(id))!;
  }

  /**
   * Record `step` as the last accepted TOTP step if it is later than the one stored. Returns
   * false when it is not (the code was used already, here or on another process): one
   * conditional UPDATE, so two concurrent logins with one code cannot both succeed.
   */
  async claimTotpStep(id: string, step: number): Promise<boolean> {
    const res = await this.db
      .updateTable('lg_users')
      .set({ totp_last_step: step })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .execute();
    return Number(res[0]?.numUpdatedRows ?? 0) === 1;
  }

  /** Store a new session. */
  async createSession(s: {
    idSha256: string;
    userId: string;
    createdAt: string;
    expiresAt: string;
  }): Promise<SessionRecord> {
    const row: SessionsTable = {
      id_sha256: s.idSha256,
      user_id: s.userId,
      created_at: s.createdAt,
      last_seen_at: s.createdAt,
      expires_at: s.expiresAt,
      revoked_at: null,
    };
    await this.db.insertInto('lg_sessions').values(row).execute();
    return toSession(row);
  }

  /** The session stored under this hash (revoked or not), or undefined. */
  async findSession(idSha256: string): Promise<SessionRecord | undefined> {
    const r = await this.db
      .selectFrom('lg_sessions')
      .selectAll()
      .where('id_sha256', '=', idSha256)
      .executeTakeFirst();
    return r ? toSession(r) : undefined;
  }

  /** Record a use of a session. */
  async touchSession(idSha256: string, at: string): Promise<void> {
    await this.db
      .updateTable('lg_sessions')
      .set({ last_seen_at: at })
      .where('id_sha256', '=', idSha256)
      .execute();
  }

  /** Revoke one session (logout). Idempotent. */
  async revokeSession(idSha256: string): Promise<void> {
    await this.db
      .updateTable('lg_sessions')
      .set({ revoked_at: new Date().toISOString() })
      .where('id_sha256', '=', idSha256)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /**
   * Revoke every live session of a user, except `keep` (the session that changed the
   * password stays logged in). Returns how many were revoked.
   */
  async revokeUserSessions(userId: string, keep?: string): Promise<number> {
    let q = this.db
      .updateTable('lg_sessions')
      .set({ revoked_at: new Date().toISOString() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (keep !== undefined) q = q.where('id_sha256', '!=', keep);
    const res = await q.execute();
    return Number(res[0]?.numUpdatedRows ?? 0);
  }

  /** Delete sessions that expired or were revoked before `before` (ISO-8601). */
  async pruneSessions(before: string): Promise<number> {
    const res = await this.db
      .deleteFrom('lg_sessions')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<', before),
          eb.and([eb('revoked_at', 'is not', null), eb('revoked_at', '<', before)]),
        ]),
      )
      .execute();
    return Number(res[0]?.numDeletedRows ?? 0);
  }
}
