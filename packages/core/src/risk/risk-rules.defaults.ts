import type { RiskRules } from './risk-rules.model.js';

/**
 * Default rules. Tuned on simulator seed 1 and evaluated on seed 2 (`npm run bench:risk`,
 * docs/bench/risk.md); operators should re-tune on their own history with
 * `lifeguard risk replay`. Ramps are in the unit of each signal (docs/risk.md).
 */
export const DEFAULT_RISK_RULES: RiskRules = {
  version: 1,
  levels: { watch: 0.3, high: 0.6, critical: 0.85 },
  senderBandFactor: { adult: 1, unknown: 0.9, '16-17': 0.6, '13-15': 0.3, under13: 0.2 },
  signals: {
    minors_contacted_1h: { weight: 0.12, from: 2, to: 6 },
    minors_contacted_24h: { weight: 0.12, from: 3, to: 12 },
    minors_contacted_7d: { weight: 0.06, from: 6, to: 25 },
    minor_contact_share: { weight: 0.06, from: 2, to: 5 },
    no_mutual_minor_requests_7d: { weight: 0.12, from: 1, to: 6 },
    unanswered_minor_ratio: { weight: 0.25, from: 0.3, to: 0.7 },
    blockers_24h: { weight: 0.15, from: 1, to: 3 },
    blockers_7d: { weight: 0.15, from: 1, to: 4 },
    minor_blockers_7d: { weight: 0.25, from: 1, to: 3 },
    account_age_at_first_minor_contact: { weight: 0.08, from: 30, to: 1 },
    age_gap: { weight: 0.03, from: 1, to: 3 },
    burst_after_block: { weight: 0.2, from: 1, to: 5 },
    recontact_after_block_7d: { weight: 0.4, from: 0, to: 3 },
    text_age_probe: { weight: 0.05, from: 0, to: 2 },
    text_location_probe: { weight: 0.05, from: 0, to: 2 },
    text_secrecy: { weight: 0.08, from: 0, to: 2 },
    text_off_platform: { weight: 0.05, from: 0, to: 2 },
    text_image_request: { weight: 0.1, from: 0, to: 2 },
    text_meeting: { weight: 0.05, from: 0, to: 2 },
    text_gifts: { weight: 0.04, from: 0, to: 2 },
    text_flattery_isolation: { weight: 0.05, from: 0, to: 2 },
    text_categories: { weight: 0.45, from: 2, to: 5 },
  },
  minorContactBaseRate: 0.15,
  smoothingPrior: 3,
  conversation: {
    categoryWeights: {
      age_probe: 0.1,
      location_probe: 0.15,
      secrecy: 0.3,
      off_platform: 0.2,
      image_request: 0.3,
      meeting: 0.2,
      gifts: 0.15,
      flattery_isolation: 0.15,
    },
    noMutualStart: 0.1,
  },
  interventions: {
    open_case: 'high',
    warn_minor: 'high',
    add_friction: 'watch',
    hide_from_minor_discovery: 'high',
  },
  languages: ['en'],
  lexicons: {},
  patterns: [],
};
