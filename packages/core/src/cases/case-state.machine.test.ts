import { describe, expect, it } from 'vitest';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import {
  CASE_SEVERITIES,
  CASE_STATES,
  ROLES,
  type Actor,
  type CaseSeverity,
  type CaseState,
  type Role,
} from './case.model.js';
import { CASE_TRANSITIONS, allowedTargets, transitionCase } from './case-state.machine.js';

/**
 * The intended table, written out independently of CASE_TRANSITIONS: state -> target ->
 * roles allowed, and whether the move needs media access (checked on CSAM cases).
 */
const D = ['reviewer', 'child_safety_reviewer', 'lead', 'admin'] as const;
const S = ['child_safety_reviewer', 'lead', 'admin'] as const;
const L = ['lead', 'admin'] as const;
const SPEC: Record<CaseState, Partial<Record<CaseState, [readonly Role[], boolean]>>> = {
  open: { in_review: [D, true], escalated: [L, false] },
  in_review: { open: [D, false], actioned: [D, true], dismissed: [D, true], escalated: [D, true] },
  escalated: { in_review: [S, true], actioned: [S, true], dismissed: [S, true] },
  actioned: { reported: [S, true], open: [L, false] },
  dismissed: { open: [L, false] },
  reported: {},
};

/** Every subset of roles, including none. */
const ROLE_SETS: Role[][] = Array.from({ length: 1 << ROLES.length }, (_, m) =>
  ROLES.filter((_, i) => m & (1 << i)),
);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isLifeguardError(e) ? e.code : 'not-a-lifeguard-error';
  }
}

function expected(
  from: CaseState,
  to: CaseState,
  roles: Role[],
  sev: CaseSeverity,
): string | undefined {
  const rule = SPEC[from][to];
  if (rule === undefined) return 'LG_ERR_CONFLICT';
  const [allowed, media] = rule;
  if (!roles.some((r) => allowed.includes(r))) return 'LG_ERR_FORBIDDEN';
  const csam = sev === 'verified_csam' || sev === 'possible_csam';
  if (media && csam && !roles.includes('child_safety_reviewer')) return 'LG_ERR_FORBIDDEN';
  return undefined;
}

describe('case state machine', () => {
  it('the table has exactly the specified transitions', () => {
    const listed = CASE_TRANSITIONS.map((r) => `${r.from}->${r.to}`).sort();
    const spec = CASE_STATES.flatMap((f) => Object.keys(SPEC[f]).map((t) => `${f}->${t}`)).sort();
    expect(listed).toEqual(spec);
  });

  it('every (from, to, role set, severity) is allowed or refused as specified', () => {
    let checked = 0;
    for (const from of CASE_STATES) {
      for (const to of CASE_STATES) {
        for (const roles of ROLE_SETS) {
          for (const severity of CASE_SEVERITIES) {
            const actor: Actor = { id: 'u1', roles };
            const got = codeOf(() =>
              transitionCase({ state: from, severity }, { to, actor, at: 1000, reason: 'why' }),
            );
            expect(got, `${from}->${to} as [${roles.join(',')}] on ${severity}`).toBe(
              expected(from, to, roles, severity),
            );
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(6 * 6 * 16 * 4);
  });

  it('records actor, time, reason, from and to', () => {
    const t = transitionCase(
      { state: 'open', severity: 'other' },
      { to: 'in_review', actor: { id: 'rev-7', roles: ['reviewer'] }, at: 1234, reason: 'claim' },
    );
    expect(t).toEqual({ from: 'open', to: 'in_review', actor: 'rev-7', at: 1234, reason: 'claim' });
  });

  it('reported is terminal and a state never moves to itself', () => {
    const admin: Actor = { id: 'a', roles: [...ROLES] };
    expect(allowedTargets('reported', admin, 'other')).toEqual([]);
    for (const s of CASE_STATES) expect(allowedTargets(s, admin, 'other')).not.toContain(s);
  });

  it('a plain reviewer cannot claim a CSAM case; a child-safety reviewer can', () => {
    const rev: Actor = { id: 'r', roles: ['reviewer', 'lead', 'admin'] };
    const csr: Actor = { id: 'c', roles: ['child_safety_reviewer'] };
    expect(allowedTargets('open', rev, 'verified_csam')).toEqual(['escalated']);
    expect(allowedTargets('open', csr, 'possible_csam')).toEqual(['in_review']);
  });

  it('refuses a missing or overlong reason, an empty actor and a bad time', () => {
    const actor: Actor = { id: 'u', roles: ['admin'] };
    const cur = { state: 'open' as const, severity: 'other' as const };
    expect(codeOf(() => transitionCase(cur, { to: 'escalated', actor, at: 1, reason: ' ' }))).toBe(
      'LG_ERR_INVALID_ARGUMENT',
    );
    expect(
      codeOf(() =>
        transitionCase(cur, { to: 'escalated', actor, at: 1, reason: 'x'.repeat(1001) }),
      ),
    ).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        transitionCase(cur, {
          to: 'escalated',
          actor: { id: '', roles: ['admin'] },
          at: 1,
          reason: 'r',
        }),
      ),
    ).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(
      codeOf(() => transitionCase(cur, { to: 'escalated', actor, at: NaN, reason: 'r' })),
    ).toBe('LG_ERR_INVALID_ARGUMENT');
  });
});
