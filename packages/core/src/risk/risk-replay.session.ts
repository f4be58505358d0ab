import type { AccountRiskState } from './account-state.model.js';
import { levelOf, RiskEngine, roundScore, type ReasonsCapture } from './risk.engine.js';
import type { RiskEvent } from './risk-event.model.js';
import type { RiskReason } from './risk-result.model.js';
import type { RiskLevel, RiskRules } from './risk-rules.model.js';

/** One line of `lifeguard risk replay` output. */
export interface ReplayAlert {
  /** Platform user id. */
  readonly user: string;
  /** Highest score reached during the replay. */
  readonly score: number;
  /** Level of that score. */
  readonly level: RiskLevel;
  /** Event time of the first `high`, or null if the account peaked at `watch`. */
  readonly firstAlertAt: string | null;
  /** Reasons at the moment of the highest score, largest contribution first. */
  readonly reasons: readonly RiskReason[];
}

/**
 * Backtest driver: runs events through a {@link RiskEngine} and remembers, for every account
 * that rises above `none`, its peak score and the reasons at that peak. Only those accounts
 * get a snapshot, so memory beyond the engine's state is proportional to the alerts.
 */
export class RiskReplaySession {
  /** The engine (its `stats` and `store` are available to callers). */
  readonly engine: RiskEngine;
  /** What explains each alerting account's peak; turned into reasons only by {@link alerts}. */
  private readonly peaks = new Map<number, ReasonsCapture>();

  /** @param rules validated rules; defaults to DEFAULT_RISK_RULES */
  constructor(rules?: RiskRules) {
    this.engine = new RiskEngine({
      ...(rules === undefined ? {} : { rules }),
      onPeak: (s: AccountRiskState) => {
        this.peaks.set(s.ref, this.engine.captureReasons(s, s.lastAt));
      },
    });
  }

  /** Feed one event (in time order). */
  ingest(e: RiskEvent): void {
    this.engine.ingest(e);
  }

  /** Accounts whose level ever rose above `none`, highest score first, then by user id. */
  alerts(): ReplayAlert[] {
    const out: ReplayAlert[] = [];
    for (const [ref, capture] of this.peaks) {
      const s = this.engine.store.byRef(ref);
      if (s === undefined) continue;
      const score = roundScore(s.peakScore);
      out.push({
        user: s.user,
        score,
        // Level from the unrounded peak so it agrees with firstAlertAt.
        level: levelOf(s.peakScore, this.engine.rules),
        firstAlertAt: s.firstAlertAt < 0 ? null : new Date(s.firstAlertAt).toISOString(),
        reasons: this.engine.explain(capture),
      });
    }
    return out.sort(
      (a, b) => b.score - a.score || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0),
    );
  }
}
