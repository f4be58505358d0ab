/**
 * A small, ordered description of an XML Schema subset: enough to emit CyberTipline documents
 * in `xs:sequence` order and to validate them (required elements, multiplicity, order,
 * lengths, enumerations, simple types). The schema itself is data
 * (`cybertip-schema.data.ts`); the builder and the validator walk it, so emission order never
 * depends on object key order.
 */

/** Simple types an element's text or an attribute can have. */
export type SimpleType = 'string' | 'int' | 'boolean' | 'dateTime' | 'date' | 'decimal';

/** How an element's content is shaped. */
export type ContentKind =
  /** Text of a {@link SimpleType} (optionally with attributes). */
  | 'simple'
  /** Child elements in `xs:sequence` order (optionally with attributes). */
  | 'sequence'
  /** Exactly one child element out of the listed ones (`xs:choice`). */
  | 'choice'
  /** No content at all: a presence flag such as `<viral/>`. */
  | 'empty';

/** Restrictions on a simple value. */
export interface Facets {
  /** The value's simple type. */
  readonly type: SimpleType;
  /** Longest value in characters (code points, as XML Schema counts). */
  readonly maxLength?: number;
  /** Allowed values. */
  readonly enum?: readonly string[];
  /** A pattern the whole value must match. */
  readonly pattern?: RegExp;
  /** Inclusive numeric range (int, decimal). */
  readonly range?: readonly [number, number];
}

/** One attribute. */
export interface AttrSpec extends Facets {
  /** Attribute name. */
  readonly name: string;
  /** True when the attribute must be present. */
  readonly required?: boolean;
}

/** One element declaration. */
export interface ElementSpec {
  /** Element name. */
  readonly name: string;
  /** Content shape. */
  readonly content: ContentKind;
  /** Minimum occurrences in its parent (0 or 1 here). */
  readonly min: number;
  /** Maximum occurrences (`Infinity` for unbounded). */
  readonly max: number;
  /** Facets of the text, for `simple` content. */
  readonly facets?: Facets;
  /** Attributes. */
  readonly attributes?: readonly AttrSpec[];
  /** Children in order (`sequence`) or the alternatives (`choice`). */
  readonly children?: readonly ElementSpec[];
}

type Occurs = '1' | '?' | '*' | '+';

function occurs(o: Occurs): { min: number; max: number } {
  switch (o) {
    case '1':
      return { min: 1, max: 1 };
    case '?':
      return { min: 0, max: 1 };
    case '*':
      return { min: 0, max: Infinity };
    case '+':
      return { min: 1, max: Infinity };
  }
}

/** A simple-content element. */
export function simple(
  name: string,
  o: Occurs,
  facets: Facets,
  attributes?: readonly AttrSpec[],
): ElementSpec {
  return { name, content: 'simple', ...occurs(o), facets, ...(attributes ? { attributes } : {}) };
}

/** A string element with an optional maximum length. */
export function text(name: string, o: Occurs, maxLength?: number): ElementSpec {
  return simple(
    name,
    o,
    maxLength === undefined ? { type: 'string' } : { type: 'string', maxLength },
  );
}

/** An `xs:sequence` element. */
export function seq(
  name: string,
  o: Occurs,
  children: readonly ElementSpec[],
  attributes?: readonly AttrSpec[],
): ElementSpec {
  return {
    name,
    content: 'sequence',
    ...occurs(o),
    children,
    ...(attributes ? { attributes } : {}),
  };
}

/** An `xs:choice` element (exactly one of `children`). */
export function choice(name: string, o: Occurs, children: readonly ElementSpec[]): ElementSpec {
  return { name, content: 'choice', ...occurs(o), children };
}

/** An empty presence flag (`<viral/>`). */
export function flag(name: string): ElementSpec {
  return { name, content: 'empty', min: 0, max: 1 };
}

/** The same declaration under another name and multiplicity (shared complex types). */
export function renamed(spec: ElementSpec, name: string, o: Occurs): ElementSpec {
  return { ...spec, name, ...occurs(o) };
}
