import type { AuditAppend } from '@lifeguard/core';
import { principalId } from './principal.model.js';
import type { AuthEvents } from './user.service.js';

/** Where audit records go (the server's hash-chained audit log). */
export interface AuditSink {
  /** Append one record. */
  append(entry: AuditAppend): Promise<unknown>;
}

/**
 * Login, logout, failed-login and user-change events as audit records (docs/cases.md, "Audit
 * log"). Never a password, a session id or a TOTP code. A failed login for a username that
 * does not exist records no name at all: people type passwords into the username field.
 */
export function auditAuthEvents(audit: AuditSink): AuthEvents {
  return {
    loggedIn: async (user, ip) => {
      await audit.append({
        actor: `user:${user.id}`,
        action: 'login',
        subject: `user:${user.id}`,
        details: { username: user.username, ip },
      });
    },
    loginFailed: async (username, why, ip) => {
      await audit.append({
        actor: 'anonymous',
        action: 'login_failed',
        subject: why === 'unknown_user' ? null : `username:${username}`,
        details: { reason: why, ip },
      });
    },
    loggedOut: async (user) => {
      await audit.append({
        actor: principalId(user),
        action: 'logout',
        subject: `user:${user.userId}`,
      });
    },
    changed: async (actor, target, what) => {
      await audit.append({
        actor: principalId(actor),
        action: 'user_change',
        subject: `user:${target.id}`,
        details: {
          change: what,
          username: target.username,
          roles: [...target.roles],
          disabled: target.disabled,
          totpEnabled: target.totpEnabled,
        },
      });
    },
  };
}
