import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one server process. A registry per instance (not prom-client's
 * global one) so that tests can run several servers in one process.
 */
export class ServerMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  /** Scans by input kind and outcome. */
  readonly scans: Counter<'input' | 'outcome'>;
  /** Verdicts by verdict. */
  readonly verdicts: Counter<'verdict'>;
  /** Matches by bank name and signal. */
  readonly matches: Counter<'bank' | 'signal'>;
  /** Request latency by route and status class. */
  readonly latency: Histogram<'route' | 'method' | 'status'>;
  /** Webhook delivery attempts by outcome. */
  readonly webhooks: Counter<'outcome'>;
  /** Finished job attempts by outcome. */
  readonly jobs: Counter<'outcome'>;
  /** Hashing latency (decode + PDQ on a worker). */
  readonly hashSeconds: Histogram;

  /**
   * @param sample functions read at scrape time: queue depth, index size and lag
   */
  constructor(sample: {
    readonly queueDepth: () => number;
    readonly indexEntries: () => number;
    readonly indexLagSeq: () => number;
    readonly indexLagMs: () => number;
    readonly jobDepth: () => Promise<{ queued: number; running: number }>;
  }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'lifeguard_process_' });
    this.scans = new Counter({
      name: 'lifeguard_scans_total',
      help: 'Scans handled, by input kind (file, url, hashes) and outcome (ok, error).',
      labelNames: ['input', 'outcome'],
      registers,
    });
    this.verdicts = new Counter({
      name: 'lifeguard_verdicts_total',
      help: 'Scan verdicts.',
      labelNames: ['verdict'],
      registers,
    });
    this.matches = new Counter({
      name: 'lifeguard_matches_total',
      help: 'Matches returned, by bank and signal.',
      labelNames: ['bank', 'signal'],
      registers,
    });
    this.latency = new Histogram({
      name: 'lifeguard_http_request_duration_seconds',
      help: 'HTTP request latency.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.hashSeconds = new Histogram({
      name: 'lifeguard_hash_duration_seconds',
      help: 'Time to hash one image on a worker thread, including queueing.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.webhooks = new Counter({
      name: 'lifeguard_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by outcome (delivered, retried, dead).',
      labelNames: ['outcome'],
      registers,
    });
    this.jobs = new Counter({
      name: 'lifeguard_job_attempts_total',
      help: 'Asynchronous scan job attempts, by outcome (succeeded, retried, failed).',
      labelNames: ['outcome'],
      registers,
    });
    new Gauge({
      name: 'lifeguard_job_queue_depth',
      help: 'Jobs in the durable queue, by state (queued, running).',
      labelNames: ['state'],
      registers,
      async collect() {
        try {
          const d = await sample.jobDepth();
          this.set({ state: 'queued' }, d.queued);
          this.set({ state: 'running' }, d.running);
        } catch {
          // Store unreachable: keep the last values; /readyz reports the store.
        }
      },
    });
    new Gauge({
      name: 'lifeguard_hash_queue_depth',
      help: 'Images waiting for a hashing worker.',
      registers,
      collect() {
        this.set(sample.queueDepth());
      },
    });
    new Gauge({
      name: 'lifeguard_index_entries',
      help: 'Entries in the in-memory match index (PDQ + exact).',
      registers,
      collect() {
        this.set(sample.indexEntries());
      },
    });
    new Gauge({
      name: 'lifeguard_index_lag_changes',
      help: 'Bank changes in the store not yet applied to this process index.',
      registers,
      collect() {
        this.set(sample.indexLagSeq());
      },
    });
    new Gauge({
      name: 'lifeguard_index_lag_milliseconds',
      help: 'Milliseconds since the index last caught up with the store.',
      registers,
      collect() {
        this.set(sample.indexLagMs());
      },
    });
  }
}
