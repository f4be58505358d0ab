import { TEXT_CATEGORIES, type TextCategory, type TextMatch } from './text-category.model.js';

/** A category lexicon: phrases per category (each matched case-insensitively on word boundaries). */
export type Lexicon = Partial<Record<TextCategory, readonly string[]>>;

/** A built-in or operator regular-expression detector that reports a redaction label. */
export interface TextPattern {
  /** Category the pattern signals. */
  readonly category: TextCategory;
  /** Regular expression source (compiled with the `u` flag, case-insensitive). */
  readonly source: string;
  /** Label returned as evidence instead of the matched text (e.g. `[phone-number]`). */
  readonly label: string;
}

/**
 * Built-in off-platform patterns. Phone numbers and handles are personal data, so evidence
 * is a label, never the number or handle itself.
 */
export const DEFAULT_TEXT_PATTERNS: readonly TextPattern[] = [
  // 7-15 digits with optional separators; bounded repetition keeps it linear-time.
  {
    category: 'off_platform',
    source: '(?<![\\d+])\\+?\\d(?:[ .-]?\\d){6,14}(?!\\d)',
    label: '[phone-number]',
  },
  {
    category: 'off_platform',
    source: '(?<![\\p{L}\\p{N}_@])@[a-z0-9_.]{3,30}',
    label: '[username]',
  },
];

/** Only the start of a long message is scanned; grooming cues are short phrases. */
export const MAX_SCANNED_CHARS = 4096;
const MAX_EVIDENCE = 40;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Turn a lexicon phrase into a regex fragment tolerant to spacing and apostrophe style. */
function phraseSource(phrase: string): string {
  const words = phrase.trim().toLowerCase().split(/\s+/);
  return words.map((w) => escapeRe(w).replace(/'/g, "['\u2019]?")).join('\\s+');
}

/**
 * Explainable phrase and pattern detector for the text signals. All lexicon phrases of all
 * categories are compiled into one alternation so that a message is scanned once.
 */
export class TextDetector {
  private readonly lexRe: RegExp | undefined;
  private readonly groupCategory: TextCategory[] = [];
  private readonly patterns: { re: RegExp; category: TextCategory; label: string }[];

  /**
   * @param lexicons lexicons to merge (e.g. the default English one plus operator additions)
   * @param patterns regex detectors reporting labels
   */
  constructor(
    lexicons: readonly Lexicon[],
    patterns: readonly TextPattern[] = DEFAULT_TEXT_PATTERNS,
  ) {
    const groups: string[] = [];
    for (const cat of TEXT_CATEGORIES) {
      const phrases = new Set<string>();
      for (const lex of lexicons)
        for (const p of lex[cat] ?? []) if (p.trim() !== '') phrases.add(p);
      if (phrases.size === 0) continue;
      // Longest first so that the most specific phrase wins inside the alternation.
      const alts = [...phrases].sort((a, b) => b.length - a.length).map(phraseSource);
      groups.push(`(${alts.join('|')})`);
      this.groupCategory.push(cat);
    }
    this.lexRe =
      groups.length > 0
        ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${groups.join('|')})(?![\\p{L}\\p{N}])`, 'gu')
        : undefined;
    this.patterns = patterns.map((p) => ({
      re: new RegExp(p.source, 'giu'),
      category: p.category,
      label: p.label,
    }));
  }

  /** All matches in `text`, ordered by offset. */
  detect(text: string): TextMatch[] {
    const src = text.length > MAX_SCANNED_CHARS ? text.slice(0, MAX_SCANNED_CHARS) : text;
    const out: TextMatch[] = [];
    let lower = src.toLowerCase();
    // Offsets must point into the original text; a few characters change length when
    // lower-cased, so fall back to the original (case-sensitive miss is the lesser evil).
    if (lower.length !== src.length) lower = src;
    const re = this.lexRe;
    if (re) {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(lower)) !== null) {
        for (let g = 1; g < m.length; g++) {
          if (m[g] !== undefined) {
            const cat = this.groupCategory[g - 1];
            if (cat !== undefined) {
              out.push({
                category: cat,
                start: m.index,
                end: m.index + m[0].length,
                evidence: m[0].replace(/\s+/g, ' ').slice(0, MAX_EVIDENCE),
              });
            }
            break;
          }
        }
      }
    }
    for (const p of this.patterns) {
      p.re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = p.re.exec(src)) !== null) {
        if (m[0].length === 0) {
          p.re.lastIndex++;
          continue;
        }
        out.push({
          category: p.category,
          start: m.index,
          end: m.index + m[0].length,
          evidence: p.label,
        });
      }
    }
    if (this.patterns.length > 0) out.sort((a, b) => a.start - b.start);
    return out;
  }
}
