/**
 * A minimal XML element tree: what the CyberTipline builder emits, what the validator checks and
 * what the test fake parses requests into. Only what the CyberTipline documents use: elements,
 * attributes and text (no mixed content, comments, processing instructions or namespaces beyond
 * the `xsi` attributes on the root).
 */
export interface XmlElement {
  /** Element name. */
  readonly name: string;
  /** Attributes in document order. */
  readonly attributes: readonly (readonly [string, string])[];
  /** Child elements in document order. */
  readonly children: readonly XmlElement[];
  /** Text content (simple-typed elements); undefined for element-only or empty elements. */
  readonly text?: string;
}

/** The `xsi` namespace the CyberTipline documents declare on their root. */
export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

/**
 * True for a code point XML 1.0 allows in a document (https://www.w3.org/TR/xml/#charsets):
 * tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD, U+10000..U+10FFFF. Everything else (other C0
 * controls, lone surrogates, U+FFFE/U+FFFF) cannot be written even as a character reference.
 */
export function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Offset (UTF-16) of the first character XML 1.0 cannot carry, or -1. */
export function firstInvalidXmlChar(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (!isXmlChar(c)) return i;
  }
  return -1;
}

/**
 * Escape text content: `&`, `<`, `>` as entities (`>` too, so `]]>` never appears) and CR as
 * `&#13;` so a parser's line-end normalisation does not turn it into LF.
 */
export function escapeXmlText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;',
  );
}

/**
 * Escape an attribute value for double quotes: also `"`, and tab/LF/CR as character
 * references, which attribute-value normalisation would otherwise turn into spaces
 * (https://www.w3.org/TR/xml/#AVNormalize).
 */
export function escapeXmlAttr(s: string): string {
  return s.replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case '\t':
        return '&#9;';
      case '\n':
        return '&#10;';
      default:
        return '&#13;';
    }
  });
}

function write(el: XmlElement, out: string[], indent: string | undefined, depth: number): void {
  const pad = indent === undefined ? '' : indent.repeat(depth);
  let open = `${pad}<${el.name}`;
  for (const [k, v] of el.attributes) open += ` ${k}="${escapeXmlAttr(v)}"`;
  if (el.children.length === 0) {
    if (el.text === undefined || el.text === '') {
      out.push(`${open}/>`);
    } else {
      out.push(`${open}>${escapeXmlText(el.text)}</${el.name}>`);
    }
    return;
  }
  out.push(`${open}>`);
  for (const c of el.children) write(c, out, indent, depth + 1);
  out.push(`${pad}</${el.name}>`);
}

/**
 * Serialise a tree as an XML document with an XML declaration (UTF-8). Compact by default;
 * with `indent` (e.g. two spaces) one element per line for a human preview. Text is escaped
 * (see {@link escapeXmlText}); the caller validates first that it holds only XML characters.
 */
export function serializeXml(root: XmlElement, opts: { readonly indent?: string } = {}): string {
  const out: string[] = [];
  write(root, out, opts.indent, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>${opts.indent === undefined ? '' : '\n'}${out.join(opts.indent === undefined ? '' : '\n')}`;
}
