import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Guard for performance work: replaying two seeded simulator worlds (NDJSON parse + engine)
// must give exactly the recorded alerts, reasons, peaks, latencies and counters
// (bench/risk-golden.mjs, bench/risk-golden.json). Runs the built package (`npm run build`).
describe('replay results are unchanged', () => {
  it('matches the recorded digest of the seeded simulator replays', () => {
    const script = fileURLToPath(new URL('../../../../bench/risk-golden.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(out).toContain('identical to the recorded replay');
  }, 300_000);
});
