/** Short human duration: `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** The SLA label of a case due at `dueAt` (epoch ms) seen at `now`. */
export function slaLabel(
  dueAt: number | string | null | undefined,
  now: number,
): {
  text: string;
  breached: boolean;
} {
  const due = typeof dueAt === 'string' ? Date.parse(dueAt) : dueAt;
  if (due === null || due === undefined || Number.isNaN(due)) {
    return { text: 'no SLA', breached: false };
  }
  const left = due - now;
  return left >= 0
    ? { text: `due in ${formatDuration(left)}`, breached: false }
    : { text: `breached ${formatDuration(left)} ago`, breached: true };
}

/** `verified_csam` -> `verified CSAM`, `in_review` -> `in review`. */
export function humanise(code: string): string {
  return code.replace(/_/g, ' ').replace(/\bcsam\b/gi, 'CSAM');
}

/** Local date and time of an epoch-ms or ISO value. */
export function formatTime(t: number | string | null | undefined): string {
  if (t === null || t === undefined) return '';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toLocaleString();
}
