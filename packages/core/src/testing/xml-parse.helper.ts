/**
 * Test-only: parse XML text into core's {@link XmlElement} with an independent parser
 * (fast-xml-parser), so tests and the fake CyberTipline check what the builder wrote without
 * trusting its own code. Not exported from the package index: test code imports it as
 * `@lifeguard/core/testing/xml-parse` (or by relative path inside core).
 */
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

/** An element without child elements carries its text, `''` when empty. */
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
  return { name, attributes: attrs, children, ...(children.length === 0 ? { text } : {}) };
}

/**
 * Parse a document into its root element; undefined when it is not well-formed or declares a
 * DOCTYPE (entity tricks have no place in a report document).
 */
export function tryParseXml(xml: string): XmlElement | undefined {
  if (xml.includes('<!DOCTYPE') || XMLValidator.validate(xml) !== true) return undefined;
  for (const n of parser.parse(xml) as Node[]) {
    const e = convert(n);
    if (e) return e;
  }
  return undefined;
}

/** Parse a document into its root element; throws on malformed XML or a DOCTYPE. */
export function parseXml(xml: string): XmlElement {
  const ok = XMLValidator.validate(xml);
  if (ok !== true) throw new Error(`malformed XML: ${ok.err.msg}`);
  const e = tryParseXml(xml);
  if (!e) throw new Error('no root element, or a DOCTYPE');
  return e;
}
