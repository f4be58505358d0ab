import { randomUUID } from 'node:crypto';
import type { KyselyWebhookOutbox, WebhookDelivery } from '@lifeguard/store';
import type { Action, WebhookConfig } from '../config/server.config.js';
import type { ServerMetrics } from '../metrics/server.metrics.js';
import { signWebhook } from './webhook.signer.js';

/** Event type of a scan verdict. */
export const VERDICT_EVENT = 'scan.verdict';

/**
 * Records verdict events in the durable outbox (before the API answers) and delivers them:
 * POST with the signature headers and `Lifeguard-Delivery` (the delivery id, for receivers'
 * de-duplication); a 2xx answer delivers; anything else is retried with exponential backoff
 * (base x 2^(attempt-1), capped at one hour) until `maxAttempts`, then dead-lettered, where
 * it stays visible in `GET /v1/webhooks/deliveries?state=dead` and can be retried by hand.
 */
export class WebhookSender {
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> | undefined;

  /**
   * @param outbox the durable outbox
   * @param config endpoints and retry policy
   * @param metrics delivery counters
   */
  constructor(
    private readonly outbox: KyselyWebhookOutbox,
    private readonly config: WebhookConfig,
    private readonly metrics: ServerMetrics,
  ) {}

  /**
   * Record a verdict event for every endpoint subscribed to `verdict`. `eventId` lets
   * receivers de-duplicate events (an async scan's event id is its job id).
   */
  async record(
    verdict: Action,
    scan: Readonly<Record<string, unknown>>,
    eventId?: string,
  ): Promise<void> {
    const endpoints = this.config.endpoints.filter((e) => e.verdicts.includes(verdict));
    if (endpoints.length === 0) return;
    const body = JSON.stringify({
      id: eventId ?? `evt_${randomUUID()}`,
      type: VERDICT_EVENT,
      occurredAt: new Date().toISOString(),
      data: scan,
    });
    await this.outbox.add(VERDICT_EVENT, body, endpoints);
  }

  /** Start delivering (roles `all` and `worker`). */
  start(): void {
    if (this.config.endpoints.length === 0) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stop after the delivery in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.drain().then(
        (sent) => this.schedule(sent > 0 ? 0 : 200),
        () => this.schedule(1000),
      );
    }, ms);
  }

  /** Deliver every due delivery (one at a time; receivers are few). Returns how many. */
  async drain(): Promise<number> {
    let n = 0;
    while (this.running) {
      const d = await this.outbox.claim(this.config.timeoutMs * 2);
      if (!d) break;
      await this.deliver(d);
      n++;
    }
    return n;
  }

  private async deliver(d: WebhookDelivery): Promise<void> {
    const endpoint = this.config.endpoints.find((e) => e.name === d.endpoint);
    if (!endpoint) {
      await this.outbox.settle(d.id, {
        state: 'dead',
        status: null,
        error: 'endpoint no longer configured',
      });
      this.metrics.webhooks.inc({ outcome: 'dead' });
      return;
    }
    const ts = Math.floor(Date.now() / 1000);
    let status: number | null = null;
    let error = '';
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'lifeguard-webhooks',
          'lifeguard-delivery': d.id,
          'lifeguard-event': d.event,
          'lifeguard-timestamp': String(ts),
          'lifeguard-signature': signWebhook(endpoint.secret, ts, d.body),
        },
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      status = res.status;
      await res.body?.cancel();
      if (res.ok) {
        await this.outbox.settle(d.id, { state: 'delivered', status });
        this.metrics.webhooks.inc({ outcome: 'delivered' });
        return;
      }
      error = `HTTP ${status}`;
    } catch (e) {
      error =
        e instanceof Error ? (e.name === 'TimeoutError' ? 'timeout' : e.message) : 'network error';
    }
    if (d.attempts >= this.config.maxAttempts) {
      await this.outbox.settle(d.id, { state: 'dead', status, error });
      this.metrics.webhooks.inc({ outcome: 'dead' });
    } else {
      const delay = Math.min(3_600_000, this.config.backoffBaseMs * 2 ** (d.attempts - 1));
      await this.outbox.settle(d.id, {
        state: 'pending',
        status,
        error,
        retryAt: new Date(Date.now() + delay),
      });
      this.metrics.webhooks.inc({ outcome: 'retried' });
    }
  }
}
