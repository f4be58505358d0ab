/** Lifecycle of a job. `queued` -> `running` -> `succeeded` | `failed` (or back to `queued` for a retry). */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

/** A unit of background work, as stored. */
export interface Job {
  /** Queue-assigned id (opaque string). */
  readonly id: string;
  /** What to do (`scan`, ...); the worker dispatches on it. */
  readonly kind: string;
  /** JSON input of the job. Never media bytes: jobs carry hashes or URLs. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Current state. */
  readonly state: JobState;
  /** Times the job was claimed by a worker. */
  readonly attempts: number;
  /** JSON result once `succeeded`. */
  readonly result: Readonly<Record<string, unknown>> | null;
  /** Error once `failed` (or the last attempt's error while retrying). */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** Client-supplied key: enqueuing the same key again returns the existing job. */
  readonly idempotencyKey: string | null;
  /** ISO-8601 creation time. */
  readonly createdAt: string;
  /** ISO-8601 time of the last state change. */
  readonly updatedAt: string;
}

/**
 * A durable job queue: a job acknowledged by `enqueue` survives a crash of the process
 * (principle "durable before acknowledged"). Delivery is at-least-once: a worker that dies
 * while running a job loses its lease, and the job is claimed again after the lease
 * expires; results are keyed by job id so consumers can de-duplicate. Implemented in
 * `@lifeguard/store` on SQLite and PostgreSQL.
 */
export interface JobQueue {
  /**
   * Store a new job in state `queued`. With `idempotencyKey`, an existing job with the same
   * key is returned instead of creating another.
   */
  enqueue(
    kind: string,
    payload: Readonly<Record<string, unknown>>,
    opts?: { readonly idempotencyKey?: string },
  ): Promise<Job>;
  /**
   * Atomically take the oldest runnable job (queued and due, or running with an expired
   * lease) and mark it `running` with a lease of `leaseMs`. Undefined when there is none.
   * Two workers never hold the same job at once.
   */
  claim(leaseMs: number): Promise<Job | undefined>;
  /**
   * Extend the lease of a job this worker still holds (a long job calls it between steps so
   * no other worker takes the job over while it runs). `attempts` is the value from the
   * claim: it identifies this claim. Returns false when the job is no longer ours (its lease
   * expired and another worker claimed it, or it ended).
   */
  renew(job: Pick<Job, 'id' | 'attempts'>, leaseMs: number): Promise<boolean>;
  /** Mark a running job `succeeded` with its result. */
  complete(id: string, result: Readonly<Record<string, unknown>>): Promise<void>;
  /**
   * Record a failed attempt: with `retryAfterMs` the job goes back to `queued`, due after that
   * delay; without, it is `failed` for good.
   */
  fail(
    id: string,
    error: { readonly code: string; readonly message: string },
    retryAfterMs?: number,
  ): Promise<void>;
  /** A job by id, or undefined. */
  get(id: string): Promise<Job | undefined>;
  /** Jobs waiting (queued) and running. */
  depth(): Promise<{ readonly queued: number; readonly running: number }>;
}
