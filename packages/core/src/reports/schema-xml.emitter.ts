import type { ReportIssue } from './report-issue.model.js';
import type { ElementSpec } from './xml-schema.model.js';
import type { XmlElement } from './xml.model.js';

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function one(
  spec: ElementSpec,
  value: unknown,
  path: string,
  issues: ReportIssue[],
): XmlElement | undefined {
  const attrs: Array<readonly [string, string]> = [];
  const obj = isObj(value) ? value : undefined;
  if (spec.attributes && obj) {
    for (const a of spec.attributes) {
      const v = obj[a.name];
      if (v === undefined) continue;
      const s = scalar(v);
      if (s === undefined) {
        issues.push({ path: `${path}/@${a.name}`, code: 'type', message: 'not a scalar value' });
      } else attrs.push([a.name, s]);
    }
  }
  if (obj) {
    const known = new Set([
      ...(spec.attributes ?? []).map((a) => a.name),
      ...(spec.children ?? []).map((c) => c.name),
      ...(spec.content === 'simple' ? ['value'] : []),
    ]);
    for (const k of Object.keys(obj)) {
      if (!known.has(k) && obj[k] !== undefined) {
        issues.push({ path: `${path}/${k}`, code: 'unknown', message: `no field '${k}' here` });
      }
    }
  }
  switch (spec.content) {
    case 'empty':
      return value === true ? { name: spec.name, attributes: attrs, children: [] } : undefined;
    case 'simple': {
      const raw = obj ? obj.value : value;
      const s = scalar(raw);
      if (s === undefined) {
        issues.push({ path, code: 'type', message: 'not a string, number or boolean' });
        return undefined;
      }
      return { name: spec.name, attributes: attrs, children: [], text: s };
    }
    case 'sequence':
    case 'choice': {
      if (!obj) {
        issues.push({ path, code: 'type', message: 'not an object' });
        return undefined;
      }
      const children: XmlElement[] = [];
      for (const c of spec.children ?? []) {
        children.push(...emitChildren(c, obj[c.name], path, issues));
      }
      return { name: spec.name, attributes: attrs, children };
    }
  }
}

/**
 * The elements for one child declaration: none when the value is absent (or a `false` flag),
 * one per array item for repeated elements. Multiplicity is not checked here (the validator
 * does that on the tree), only that the value has the right shape.
 */
function emitChildren(
  spec: ElementSpec,
  value: unknown,
  parentPath: string,
  issues: ReportIssue[],
): XmlElement[] {
  if (value === undefined || value === null) return [];
  const base = `${parentPath}/${spec.name}`;
  if (spec.max > 1) {
    if (!Array.isArray(value)) {
      issues.push({ path: base, code: 'type', message: 'must be a list' });
      return [];
    }
    const out: XmlElement[] = [];
    value.forEach((v, i) => {
      const e = one(spec, v, `${base}[${i + 1}]`, issues);
      if (e) out.push(e);
    });
    return out;
  }
  const e = one(spec, value, base, issues);
  return e ? [e] : [];
}

/**
 * Emit `value` (an object whose property names are the schema's element and attribute names)
 * as an element tree in the schema's order. Properties the schema does not know are reported
 * as `unknown` issues rather than dropped, so nothing a caller set disappears silently.
 * `rootAttributes` go first on the root (the `xsi` declarations).
 */
export function emitFromSchema(
  spec: ElementSpec,
  value: unknown,
  rootAttributes: readonly (readonly [string, string])[] = [],
): { readonly element: XmlElement | undefined; readonly issues: readonly ReportIssue[] } {
  const issues: ReportIssue[] = [];
  const e = one(spec, value, `/${spec.name}`, issues);
  const element = e ? { ...e, attributes: [...rootAttributes, ...e.attributes] } : undefined;
  return { element, issues };
}
