import type { ReportIssue } from './report-issue.model.js';
import type { AttrSpec, ElementSpec, Facets } from './xml-schema.model.js';
import { firstInvalidXmlChar, type XmlElement } from './xml.model.js';

// xs:dateTime with a mandatory zone (NCMEC asks for one; a zoneless time is ambiguous in a
// legal record). Fractional seconds allowed.
const DATE_TIME =
  /^-?\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const INT = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const BOOLEAN = /^(true|false|1|0)$/;

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
    n++;
  }
  return n;
}

/** Check one simple value against its facets; push issues at `path`. */
function checkValue(value: string, f: Facets, path: string, issues: ReportIssue[]): void {
  const bad = firstInvalidXmlChar(value);
  if (bad >= 0) {
    issues.push({
      path,
      code: 'invalid_char',
      message: `holds a character XML cannot carry at offset ${bad}`,
    });
    return;
  }
  switch (f.type) {
    case 'string':
      if (value.trim() === '') {
        issues.push({ path, code: 'required', message: 'is blank' });
        return;
      }
      break;
    case 'int':
      if (!INT.test(value)) {
        issues.push({ path, code: 'type', message: 'must be an integer' });
        return;
      }
      break;
    case 'decimal':
      if (!DECIMAL.test(value)) {
        issues.push({ path, code: 'type', message: 'must be a decimal number' });
        return;
      }
      break;
    case 'boolean':
      if (!BOOLEAN.test(value)) {
        issues.push({ path, code: 'type', message: 'must be true or false' });
        return;
      }
      break;
    case 'dateTime':
      if (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
        issues.push({
          path,
          code: 'type',
          message: 'must be an ISO-8601 date-time with a time zone (e.g. 2025-01-16T09:15:00Z)',
        });
        return;
      }
      break;
    case 'date':
      if (!DATE.test(value)) {
        issues.push({ path, code: 'type', message: 'must be a date YYYY-MM-DD' });
        return;
      }
      break;
  }
  if (f.maxLength !== undefined && codePoints(value) > f.maxLength) {
    issues.push({ path, code: 'too_long', message: `longer than ${f.maxLength} characters` });
  }
  if (f.enum && !f.enum.includes(value)) {
    issues.push({
      path,
      code: 'enum',
      message: `must be one of: ${f.enum.map((e) => `'${e}'`).join(', ')}`,
    });
  }
  if (f.pattern && !f.pattern.test(value)) {
    issues.push({ path, code: 'type', message: `does not match ${String(f.pattern)}` });
  }
  if (f.range && (f.type === 'int' || f.type === 'decimal')) {
    const n = Number(value);
    if (!(n >= f.range[0] && n <= f.range[1])) {
      issues.push({ path, code: 'type', message: `must be in ${f.range[0]}..${f.range[1]}` });
    }
  }
}

function checkAttributes(
  spec: ElementSpec,
  el: XmlElement,
  path: string,
  issues: ReportIssue[],
): void {
  const declared = new Map<string, AttrSpec>((spec.attributes ?? []).map((a) => [a.name, a]));
  const seen = new Set<string>();
  for (const [name, value] of el.attributes) {
    const a = declared.get(name);
    if (!a) {
      issues.push({
        path: `${path}/@${name}`,
        code: 'unknown',
        message: 'attribute not allowed here',
      });
      continue;
    }
    if (seen.has(name)) {
      issues.push({ path: `${path}/@${name}`, code: 'too_many', message: 'attribute repeated' });
    }
    seen.add(name);
    checkValue(value, a, `${path}/@${name}`, issues);
  }
  for (const a of spec.attributes ?? []) {
    if (a.required && !seen.has(a.name)) {
      issues.push({
        path: `${path}/@${a.name}`,
        code: 'required',
        message: 'attribute is required',
      });
    }
  }
}

function childPath(parent: string, spec: ElementSpec, index: number): string {
  return spec.max > 1 ? `${parent}/${spec.name}[${index}]` : `${parent}/${spec.name}`;
}

function checkSequence(
  spec: ElementSpec,
  el: XmlElement,
  path: string,
  issues: ReportIssue[],
): void {
  const decl = spec.children ?? [];
  const counts = new Array<number>(decl.length).fill(0);
  let pos = 0;
  for (const child of el.children) {
    const at = decl.findIndex((d, i) => i >= pos && d.name === child.name);
    if (at < 0) {
      const earlier = decl.findIndex((d) => d.name === child.name);
      if (earlier < 0) {
        issues.push({
          path: `${path}/${child.name}`,
          code: 'unknown',
          message: `element not allowed in <${spec.name}>`,
        });
      } else {
        issues.push({
          path: childPath(path, decl[earlier]!, counts[earlier]! + 1),
          code: 'order',
          message: `<${child.name}> must come before <${decl[pos]!.name}>`,
        });
      }
      continue;
    }
    pos = at;
    const d = decl[at]!;
    counts[at]!++;
    const p = childPath(path, d, counts[at]!);
    if (counts[at]! > d.max) {
      issues.push({ path: p, code: 'too_many', message: `at most ${d.max} allowed` });
      continue;
    }
    checkElement(d, child, p, issues);
  }
  decl.forEach((d, i) => {
    if (counts[i]! < d.min) {
      issues.push({ path: `${path}/${d.name}`, code: 'required', message: 'element is required' });
    }
  });
}

function checkElement(
  spec: ElementSpec,
  el: XmlElement,
  path: string,
  issues: ReportIssue[],
): void {
  checkAttributes(spec, el, path, issues);
  const hasText = el.text !== undefined && el.text.trim() !== '';
  switch (spec.content) {
    case 'empty':
      if (hasText || el.children.length > 0) {
        issues.push({ path, code: 'type', message: 'must be empty (a presence flag)' });
      }
      return;
    case 'simple':
      if (el.children.length > 0) {
        issues.push({ path, code: 'type', message: 'must hold text, not elements' });
        return;
      }
      checkValue(el.text ?? '', spec.facets ?? { type: 'string' }, path, issues);
      return;
    case 'sequence':
      if (hasText) issues.push({ path, code: 'type', message: 'must hold elements, not text' });
      checkSequence(spec, el, path, issues);
      return;
    case 'choice': {
      if (hasText) issues.push({ path, code: 'type', message: 'must hold elements, not text' });
      const names = (spec.children ?? []).map((c) => c.name);
      if (el.children.length !== 1) {
        issues.push({
          path,
          code: el.children.length === 0 ? 'required' : 'too_many',
          message: `must hold exactly one of: ${names.join(', ')}`,
        });
      }
      for (const child of el.children) {
        const d = spec.children?.find((c) => c.name === child.name);
        if (!d) {
          issues.push({
            path: `${path}/${child.name}`,
            code: 'unknown',
            message: `element not allowed in <${spec.name}>`,
          });
        } else checkElement(d, child, `${path}/${child.name}`, issues);
      }
      return;
    }
  }
}

/**
 * Validate an element tree against a schema declaration: root name, attributes, required
 * elements, unknown elements, `xs:sequence` order, multiplicity, lengths, enumerations and
 * simple types. Returns every issue found (empty when valid), each with its path.
 */
export function validateAgainstSchema(spec: ElementSpec, root: XmlElement): ReportIssue[] {
  const issues: ReportIssue[] = [];
  if (root.name !== spec.name) {
    issues.push({ path: `/${root.name}`, code: 'unknown', message: `root must be <${spec.name}>` });
    return issues;
  }
  checkElement(spec, root, `/${spec.name}`, issues);
  return issues;
}
