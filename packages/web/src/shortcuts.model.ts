/** One keyboard shortcut, as documented in docs/console.md and shown on screen. */
export interface Shortcut {
  /** `KeyboardEvent.key` value. */
  readonly key: string;
  /** What it does. */
  readonly label: string;
}

/** Shortcuts that work everywhere. */
export const GLOBAL_SHORTCUTS: readonly Shortcut[] = [
  { key: 'Escape', label: 'Panic: hide all media now' },
  { key: 'g', label: 'Go to the queue' },
  { key: 'm', label: 'Metrics' },
  { key: '?', label: 'Show / hide shortcuts' },
];

/** Shortcuts of the queue. */
export const QUEUE_SHORTCUTS: readonly Shortcut[] = [
  { key: 'j', label: 'Next case' },
  { key: 'k', label: 'Previous case' },
  { key: 'Enter', label: 'Open the selected case' },
];

/** Decision shortcuts of the case view. */
export const CASE_SHORTCUTS: readonly Shortcut[] = [
  { key: 's', label: 'Start review (claim)' },
  { key: '1', label: 'Confirm: CSAM' },
  { key: '2', label: 'Confirm: grooming' },
  { key: '3', label: 'Confirm: sextortion' },
  { key: '4', label: 'Confirm: other exploitation' },
  { key: '5', label: 'Confirm: policy violation' },
  { key: 'f', label: 'False positive' },
  { key: 'e', label: 'Escalate' },
  { key: 'r', label: 'Release to the queue' },
  { key: 'n', label: 'Report to NCMEC (confirmed cases)' },
  { key: 'b', label: 'Blur all media again' },
];

/** True when the key event comes from a field where typing must not trigger shortcuts. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  const tag = t.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t.isContentEditable;
}
