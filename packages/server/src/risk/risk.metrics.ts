import { levelOf, type RiskLevel } from '@lifeguard/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RiskIntake } from './risk-intake.service.js';

const LEVELS: readonly RiskLevel[] = ['none', 'watch', 'high', 'critical'];

/**
 * Prometheus metrics of the risk intake (issue 5, "Live"), read from the intake's counters and
 * engine at scrape time: events by outcome, refused batches, accounts tracked and by the
 * highest level they reached, event-time lag, snapshots and retention. Never event content.
 */
export function registerRiskMetrics(registry: Registry, intake: () => RiskIntake): void {
  const registers = [registry];
  new Counter({
    name: 'lifeguard_risk_events_total',
    help:
      'Risk events by outcome: accepted (stored and applied), duplicate (id stored before), ' +
      'invalid (in a refused batch), replayed (from the log at start-up), ' +
      'replay_malformed (stored but unreadable at start-up, skipped).',
    labelNames: ['outcome'],
    registers,
    collect() {
      const c = intake().counters;
      this.reset();
      this.inc({ outcome: 'accepted' }, c.accepted);
      this.inc({ outcome: 'duplicate' }, c.duplicates);
      this.inc({ outcome: 'invalid' }, c.invalidEvents);
      this.inc({ outcome: 'replayed' }, c.replayed);
      this.inc({ outcome: 'replay_malformed' }, c.replayMalformed);
    },
  });
  new Counter({
    name: 'lifeguard_risk_batches_rejected_total',
    help: 'POST /v1/events batches refused (invalid events, too many, empty); nothing stored.',
    registers,
    collect() {
      this.reset();
      this.inc(intake().counters.rejectedBatches);
    },
  });
  new Gauge({
    name: 'lifeguard_risk_accounts',
    help: 'Accounts tracked by the risk engine.',
    registers,
    collect() {
      this.set(intake().engine.store.size);
    },
  });
  new Gauge({
    name: 'lifeguard_risk_accounts_by_peak_level',
    help: 'Accounts by the highest risk level their score ever reached.',
    labelNames: ['level'],
    registers,
    collect() {
      const e = intake().engine;
      const n: Record<string, number> = { none: 0, watch: 0, high: 0, critical: 0 };
      for (const s of e.store.accounts()) n[levelOf(s.peakScore, e.rules)]!++;
      for (const l of LEVELS) this.set({ level: l }, n[l]!);
    },
  });
  new Gauge({
    name: 'lifeguard_risk_event_lag_seconds',
    help: 'Wall-clock time minus the newest event time applied (how far behind the stream is).',
    registers,
    collect() {
      const w = intake().engine.watermark;
      this.set(w > 0 ? Math.max(0, (Date.now() - w) / 1000) : 0);
    },
  });
  new Gauge({
    name: 'lifeguard_risk_events_since_snapshot',
    help: 'Events applied since the last risk snapshot: what a restart would replay.',
    registers,
    collect() {
      this.set(intake().sinceSnapshot);
    },
  });
  new Gauge({
    name: 'lifeguard_risk_snapshot_seq',
    help: 'Event-log position of the last risk snapshot written or restored (0: none).',
    registers,
    collect() {
      this.set(intake().snapshotSeq);
    },
  });
  new Counter({
    name: 'lifeguard_risk_snapshots_written_total',
    help: 'Risk engine snapshots written.',
    registers,
    collect() {
      this.reset();
      this.inc(intake().counters.snapshotsWritten);
    },
  });
  new Counter({
    name: 'lifeguard_risk_events_pruned_total',
    help: 'Risk events deleted by retention (covered by a snapshot and older than the retention).',
    registers,
    collect() {
      this.reset();
      this.inc(intake().counters.pruned);
    },
  });
}
