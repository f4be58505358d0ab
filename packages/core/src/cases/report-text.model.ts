/** What {@link ReportText} prints wherever it is serialised or logged. */
export const REDACTED_TEXT = '[redacted report text]';

/**
 * Free text a reporter typed. Reports about child abuse can quote the abuse itself, so the
 * text must never reach a log line, an audit record, a webhook body or an error message by
 * accident: `JSON.stringify`, string conversion and Node's `util.inspect` all see
 * {@link REDACTED_TEXT}. Only code that means to show or persist the text (the store's
 * encrypted column, the console's case view) calls {@link ReportText.reveal}.
 */
export class ReportText {
  // A true private field: not enumerable, not copied by spread, not visible to inspect.
  readonly #text: string;

  /** @param text the reporter's words, kept as given */
  constructor(text: string) {
    this.#text = text;
  }

  /** The text itself. Callers own where it goes from here. */
  reveal(): string {
    return this.#text;
  }

  /** Length in UTF-16 code units: safe to log (limits, metrics). */
  get length(): number {
    return this.#text.length;
  }

  /** JSON form: the placeholder, never the text. */
  toJSON(): string {
    return REDACTED_TEXT;
  }

  /** String form: the placeholder, never the text. */
  toString(): string {
    return REDACTED_TEXT;
  }

  /**
   * Node's `util.inspect` (console.log, pino's fallbacks) looks this symbol up; core imports
   * no node module, so the well-known registry key is used instead of `util.inspect.custom`.
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED_TEXT;
  }
}
