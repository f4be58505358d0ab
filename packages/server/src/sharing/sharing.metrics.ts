import { Counter, type Registry } from 'prom-client';

/** Prometheus metrics of feeds and exchanges, registered on the server's registry. */
export class SharingMetrics {
  /** Feed pages served, by bank. */
  readonly feedPages: Counter<'bank'>;
  /** Feed records served, by bank. */
  readonly feedRecords: Counter<'bank'>;
  /** Exchange pages applied, by exchange. */
  readonly exchangePages: Counter<'exchange'>;
  /** Local bank changes made by exchanges, by exchange and op (added, removed). */
  readonly exchangeEntries: Counter<'exchange' | 'op'>;
  /** Corrupt exchange pages skipped, by exchange. */
  readonly corruptPages: Counter<'exchange'>;
  /** Exchange pages refused for a bad or missing signature, by exchange. */
  readonly signatureFailures: Counter<'exchange'>;
  /** Failed exchange syncs, by exchange. */
  readonly syncErrors: Counter<'exchange'>;

  /** @param registry the server's registry */
  constructor(registry: Registry) {
    const registers = [registry];
    this.feedPages = new Counter({
      name: 'lifeguard_feed_pages_total',
      help: 'Signed feed pages served, by bank.',
      labelNames: ['bank'],
      registers,
    });
    this.feedRecords = new Counter({
      name: 'lifeguard_feed_records_total',
      help: 'Feed records served, by bank.',
      labelNames: ['bank'],
      registers,
    });
    this.exchangePages = new Counter({
      name: 'lifeguard_exchange_pages_total',
      help: 'Exchange pages imported, by exchange.',
      labelNames: ['exchange'],
      registers,
    });
    this.exchangeEntries = new Counter({
      name: 'lifeguard_exchange_entries_total',
      help: 'Local bank entries added or removed by exchanges, by exchange and op.',
      labelNames: ['exchange', 'op'],
      registers,
    });
    this.corruptPages = new Counter({
      name: 'lifeguard_exchange_corrupt_pages_total',
      help: 'Exchange pages skipped because they could not be parsed, by exchange.',
      labelNames: ['exchange'],
      registers,
    });
    this.signatureFailures = new Counter({
      name: 'lifeguard_exchange_signature_failures_total',
      help: 'Exchange pages refused because their signature did not verify, by exchange.',
      labelNames: ['exchange'],
      registers,
    });
    this.syncErrors = new Counter({
      name: 'lifeguard_exchange_sync_errors_total',
      help: 'Exchange syncs that failed (network, HTTP status, refused page), by exchange.',
      labelNames: ['exchange'],
      registers,
    });
  }
}
