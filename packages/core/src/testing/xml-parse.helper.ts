/** Test-only: parse XML text into core's {@link XmlElement} with an independent parser. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { XmlElement } from '../reports/xml.model.js';

type Node = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

function convert(node: Node): XmlElement | undefined {
  const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
  if (name === undefined || name.startsWith('?')) return undefined;
  const attrs = Object.entries((node[':@'] as Record<string, string> | undefined) ?? {});
  const children: XmlElement[] = [];
  let text = '';
  for (const c of node[name] as Node[]) {
    if ('#text' in c) text += String(c['#text']);
    else {
      const e = convert(c);
      if (e) children.push(e);
    }
  }
  return {
    name,
    attributes: attrs,
    children,
    ...(children.length === 0 && text !== '' ? { text } : {}),
  };
}

/** Parse a document (throws on malformed XML) into its root element. */
export function parseXml(xml: string): XmlElement {
  const ok = XMLValidator.validate(xml);
  if (ok !== true) throw new Error(`malformed XML: ${ok.err.msg}`);
  const nodes = parser.parse(xml) as Node[];
  for (const n of nodes) {
    const e = convert(n);
    if (e) return e;
  }
  throw new Error('no root element');
}
