/**
 * End-to-end durability of `POST /v1/events` on SQLite: the real `lifeguard serve` is killed
 * with SIGKILL while several clients post NDJSON batches concurrently. Afterwards every batch
 * that was answered 200 is in the event log in full, every batch in the log is complete (one
 * transaction: all of it or nothing), no id is stored twice, and a restarted server replays
 * exactly the stored log. Needs `npm run build` first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, KyselyRiskEventLog } from '@lifeguard/store';
import { describe, expect, it } from 'vitest';
import { startServerProcess } from './testing/server-process.helper.js';

const T = Date.UTC(2026, 2, 1, 12);
const PER_BATCH = 100;
const CLIENTS = 3;

/** Batch `b`: account events and messages between its own users, every event with an id. */
function batch(b: number): string {
  const lines: string[] = [];
  for (let i = 0; i < PER_BATCH; i++) {
    const at = new Date(T + (b * PER_BATCH + i) * 1000).toISOString();
    lines.push(
      JSON.stringify(
        i % 4 === 0
          ? { id: `b${b}-${i}`, type: 'account', user: `u${b}-${i}`, ageBand: 'adult', at }
          : {
              id: `b${b}-${i}`,
              type: 'message',
              from: `u${b}-${i - (i % 4)}`,
              to: `u${(b + 1) % 50}-0`,
              at,
              conversation: `c${b}`,
              text: 'hello there',
            },
      ),
    );
  }
  return lines.join('\n');
}

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`metric ${name} not found`);
  return Number(line.slice(name.length + 1));
}

describe('risk intake durability (SQLite, SIGKILL during intake)', () => {
  it('keeps every acknowledged batch whole and never a part of one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeguard-risk-kill-'));
    const config = { limits: { rateLimitPerSecond: 100_000, rateLimitBurst: 100_000 } };
    try {
      const srv = await startServerProcess({ config, dir });
      const acked = new Set<number>();
      let next = 0;
      let killed = false;
      const client = async (): Promise<void> => {
        while (!killed) {
          const b = next++;
          try {
            const r = await fetch(`${srv.url}/v1/events`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${srv.adminKey}`,
                'content-type': 'application/x-ndjson',
              },
              body: batch(b),
            });
            const j = (await r.json()) as { accepted?: number };
            expect(r.status).toBe(200);
            expect(j.accepted).toBe(PER_BATCH);
            acked.add(b);
          } catch (e) {
            // Connection reset by the kill: the batch may or may not be stored.
            if (!killed) throw e;
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, client);
      // Kill mid-stream, once a fair number of batches were acknowledged.
      while (acked.size < 40) await new Promise((r) => setTimeout(r, 5));
      killed = true;
      srv.child.kill('SIGKILL');
      expect(await srv.exited()).toBeNull();
      await Promise.all(clients);

      const store = await createStore({ dataDir: join(dir, 'data') });
      let stored: { seq: number; body: string }[];
      try {
        stored = await new KyselyRiskEventLog(store.kysely).page(0, 1_000_000);
      } finally {
        await store.close();
      }
      const perBatch = new Map<number, number>();
      const ids = new Set<string>();
      for (const row of stored) {
        const id = (JSON.parse(row.body) as { id: string }).id;
        expect(ids.has(id)).toBe(false);
        ids.add(id);
        const b = Number(/^b(\d+)-/.exec(id)![1]);
        perBatch.set(b, (perBatch.get(b) ?? 0) + 1);
      }
      for (const b of acked) expect(perBatch.get(b)).toBe(PER_BATCH);
      for (const [, n] of perBatch) expect(n).toBe(PER_BATCH);
      expect(acked.size).toBeGreaterThanOrEqual(40);

      // A restart rebuilds the engine from exactly the stored log (no snapshot was due).
      const again = await startServerProcess({ config, dir, adminKey: srv.adminKey });
      try {
        const m = await fetch(`${again.url}/metrics`, {
          headers: { authorization: `Bearer ${again.adminKey}` },
        });
        const text = await m.text();
        expect(metricValue(text, 'lifeguard_risk_events_total{outcome="replayed"}')).toBe(
          stored.length,
        );
        // Re-sending an acknowledged batch stores nothing again.
        const first = [...acked][0]!;
        const r = await fetch(`${again.url}/v1/events`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${again.adminKey}`,
            'content-type': 'application/x-ndjson',
          },
          body: batch(first),
        });
        expect(await r.json()).toEqual({ accepted: 0, duplicates: PER_BATCH });
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
