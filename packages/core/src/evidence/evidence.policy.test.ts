import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  DEFAULT_EVIDENCE_POLICY,
  holdDaysOf,
  holdUntilOf,
  mayAccessEvidence,
  preservesOn,
  validateEvidencePolicy,
  type EvidencePolicy,
} from './evidence.policy.js';

const p = (over: Partial<EvidencePolicy>): EvidencePolicy => ({
  ...DEFAULT_EVIDENCE_POLICY,
  ...over,
});

describe('evidence policy', () => {
  it('defaults: US, 365 days, three triggers, admin/lead/child-safety access', () => {
    expect(validateEvidencePolicy(DEFAULT_EVIDENCE_POLICY)).toBe(DEFAULT_EVIDENCE_POLICY);
    expect(holdDaysOf(DEFAULT_EVIDENCE_POLICY)).toBe(365);
    expect(holdUntilOf(DEFAULT_EVIDENCE_POLICY, 1000)).toBe(1000 + 365 * DAY_MS);
    expect(preservesOn(DEFAULT_EVIDENCE_POLICY, 'case_confirmed')).toBe(true);
    expect(mayAccessEvidence(DEFAULT_EVIDENCE_POLICY, ['reviewer'])).toBe(false);
    expect(mayAccessEvidence(DEFAULT_EVIDENCE_POLICY, ['reviewer', 'child_safety_reviewer'])).toBe(
      true,
    );
  });

  it('refuses a US hold below the legal minimum of 365 days', () => {
    expect(() => validateEvidencePolicy(p({ retention: { US: { holdDays: 364 } } }))).toThrow(
      /retention.US.holdDays: must be at least 365 days/,
    );
  });

  it('takes the longest hold of the applicable jurisdictions', () => {
    const q = p({
      jurisdictions: ['US', 'UK'],
      retention: { US: { holdDays: 365 }, UK: { holdDays: 730 } },
    });
    expect(holdDaysOf(validateEvidencePolicy(q))).toBe(730);
  });

  it('refuses conflicting rules instead of silently picking one', () => {
    const q = p({
      jurisdictions: ['US', 'EU'],
      retention: { US: { holdDays: 400 }, EU: { holdDays: 365, maxDays: 365 } },
    });
    expect(() => validateEvidencePolicy(q)).toThrow(/conflicting retention/);
    // US 365 and the EU 12-month ceiling agree.
    expect(
      holdDaysOf(
        validateEvidencePolicy(
          p({
            jurisdictions: ['US', 'EU'],
            retention: { US: { holdDays: 365 }, EU: { holdDays: 365, maxDays: 365 } },
          }),
        ),
      ),
    ).toBe(365);
  });

  it.each([
    [p({ triggers: ['whenever' as never] }), /triggers\[0\]/],
    [p({ accessRoles: ['root' as never] }), /accessRoles\[0\]/],
    [p({ jurisdictions: [] }), /jurisdictions: must name/],
    [p({ jurisdictions: ['BR'] }), /no retention rule for BR/],
    [p({ retention: { US: { holdDays: 365.5 } } }), /holdDays: must be an integer/],
    [p({ retention: { US: { holdDays: 365 }, UK: { holdDays: 400, maxDays: 300 } } }), /maxDays/],
    [p({ retention: { us: { holdDays: 365 } } }), /capital letters/],
  ])('rejects %#', (policy, re) => {
    expect(() => validateEvidencePolicy(policy)).toThrow(re);
  });
});
