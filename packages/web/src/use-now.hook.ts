import { useEffect, useState } from 'react';

/** The current time (epoch ms), re-rendering every `everyMs` (live SLA timers). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(t);
  }, [everyMs]);
  return now;
}
