import {
  ErrorCodes,
  isCsamSeverity,
  LifeguardError,
  ROLES,
  type Actor,
  type CaseSeverity,
  type Role,
} from '@lifeguard/core';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { CHILD_SAFETY_SCOPE, hasScope, type Scope } from '../auth/api-key.service.js';
import { requireAccess } from '../auth/auth.hook.js';
import { principalId, type Principal } from '../auth/principal.model.js';
import type { ServerContext } from '../server.context.js';

/**
 * All case authorisation lives here (docs/cases.md, "Access").
 *
 * People (console sessions) act with their roles. API keys act through scopes, mapped to
 * roles so the core state machine decides for both:
 * - `cases:write` (or `admin`) -> `reviewer` (claim, decide, release);
 * - `admin` -> also `admin` (lead moves: reopen, escalate unseen);
 * - `cases:child_safety` -> `child_safety_reviewer`. `admin` never implies it: an admin key
 *   does not see CSAM-case media, nor decide on it, unless it was also given that scope.
 */
export function actorOf(principal: Principal): Actor {
  if (principal.kind === 'user') {
    return { id: principalId(principal), roles: principal.roles.filter((r) => ROLES.includes(r)) };
  }
  const roles: Role[] = [];
  if (principal.scopes.includes('admin')) roles.push('admin');
  if (hasScope(principal, 'cases:write')) roles.push('reviewer');
  if (principal.scopes.includes(CHILD_SAFETY_SCOPE)) roles.push('child_safety_reviewer');
  return { id: principalId(principal), roles };
}

/** The acting {@link Actor} of an authenticated request. */
export function requestActor(request: FastifyRequest): Actor {
  const p = request.principal;
  if (p === undefined) throw new LifeguardError(ErrorCodes.UNAUTHORIZED, 'not authenticated');
  return actorOf(p);
}

const ANY_ROLE: readonly Role[] = ROLES;
const LEADS: readonly Role[] = ['admin', 'lead'];

/** What each case route needs, by key scope or session role. */
export const CASE_ACCESS = {
  /** Queue, case detail. */
  read: { scope: 'cases:read', roles: ANY_ROLE },
  /** Transitions, decisions, manual cases. */
  write: { scope: 'cases:write', roles: ANY_ROLE },
  /** Item media (CSAM cases additionally need the child-safety role; see {@link assertMayView}). */
  media: { scope: 'cases:media', roles: ANY_ROLE },
  /** Case metrics. */
  metrics: { scope: 'cases:read', roles: LEADS },
  /** Audit log listing. */
  audit: { scope: 'audit:read', roles: LEADS },
} as const satisfies Record<string, { scope: Scope; roles: readonly Role[] }>;

/** The `onRequest` hook for one of {@link CASE_ACCESS}'s rules. */
export function caseAccess(
  ctx: ServerContext,
  rule: keyof typeof CASE_ACCESS,
): onRequestAsyncHookHandler {
  return requireAccess(ctx, CASE_ACCESS[rule]);
}

/**
 * Refuse (`LG_ERR_FORBIDDEN`, 403) to show media of a CSAM-severity case to anyone without
 * the `child_safety_reviewer` role: the API refuses, not just the console.
 */
export function assertMayView(actor: Actor, severity: CaseSeverity): void {
  if (isCsamSeverity(severity) && !actor.roles.includes('child_safety_reviewer')) {
    throw new LifeguardError(
      ErrorCodes.FORBIDDEN,
      'only child-safety reviewers may see the media of a CSAM case',
      { severity },
    );
  }
}
