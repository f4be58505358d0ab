/** The text-signal categories; each has its own lexicon and its own weight in the rules. */
export type TextCategory =
  | 'age_probe'
  | 'location_probe'
  | 'secrecy'
  | 'off_platform'
  | 'image_request'
  | 'meeting'
  | 'gifts'
  | 'flattery_isolation';

/** All text categories in a fixed order (the bit index of a category in a category mask). */
export const TEXT_CATEGORIES: readonly TextCategory[] = [
  'age_probe',
  'location_probe',
  'secrecy',
  'off_platform',
  'image_request',
  'meeting',
  'gifts',
  'flattery_isolation',
];

/** One detector hit: where it is in the message and what it is. */
export interface TextMatch {
  /** Category of the matched phrase or pattern. */
  readonly category: TextCategory;
  /** UTF-16 offset of the first character of the match in the message. */
  readonly start: number;
  /** UTF-16 offset just past the match. */
  readonly end: number;
  /**
   * What matched, safe to show an operator: the lexicon phrase as matched (lower-cased,
   * whitespace collapsed, at most 40 characters), or a redaction label such as
   * `[phone-number]` for pattern hits, so no free message text or contact details leak.
   */
  readonly evidence: string;
}
