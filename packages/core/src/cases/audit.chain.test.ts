import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import {
  AUDIT_GENESIS_HASH,
  AUDIT_RECORD_TYPES,
  appendAuditRecord,
  canonicalJson,
  parseAuditLine,
  serializeAuditRecord,
  verifyAuditLines,
  verifyChain,
  type AuditEntry,
  type AuditRecord,
  type AuditValue,
} from './audit.chain.js';
import { ReportText } from './report-text.model.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function chain(entries: readonly AuditEntry[]): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const e of entries) out.push(appendAuditRecord(out.at(-1) ?? null, e, sha256));
  return out;
}

const value: fc.Arbitrary<AuditValue> = fc.letrec<{ v: AuditValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.fullUnicodeString({ maxLength: 12 }),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.fullUnicodeString({ maxLength: 6 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;

const entry: fc.Arbitrary<AuditEntry> = fc.record({
  type: fc.constantFrom(...AUDIT_RECORD_TYPES),
  actor: fc.string({ minLength: 1, maxLength: 8 }),
  at: fc.integer({ min: 0, max: 2 ** 45 }),
  subject: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
  data: fc.dictionary(fc.fullUnicodeString({ maxLength: 6 }), value, { maxKeys: 4 }),
});

const entries = fc.array(entry, { minLength: 1, maxLength: 12 });

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }] })).toBe(
      '{"a":[{"c":"x","d":null}],"b":1}',
    );
  });

  it('refuses what JSON cannot carry faithfully', () => {
    // A ReportText (or any class instance) is refused outright, not written as its JSON form.
    const text = new ReportText('placeholder');
    for (const v of [
      undefined,
      NaN,
      Infinity,
      () => 1,
      new Date(0),
      { a: undefined },
      1n,
      { text },
    ]) {
      try {
        canonicalJson(v);
        expect.unreachable();
      } catch (e) {
        expect(isLifeguardError(e, 'LG_ERR_INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});

describe('audit chain', () => {
  const base: AuditEntry = {
    type: 'media_view',
    actor: 'rev1',
    at: 1000,
    subject: 'item:7',
    data: { mode: 'blurred' },
  };

  it('links records from the genesis hash and verifies', () => {
    const rs = chain([base, { ...base, type: 'decision', data: { decision: 'confirm' } }]);
    expect(rs[0]!.seq).toBe(1);
    expect(rs[0]!.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(rs[1]!.prevHash).toBe(rs[0]!.hash);
    expect(verifyChain(rs, sha256)).toEqual({
      ok: true,
      count: 2,
      head: { seq: 2, hash: rs[1]!.hash },
    });
    expect(verifyChain([], sha256)).toEqual({ ok: true, count: 0, head: null });
  });

  it('hashes the canonical body with the given digest (fixed vector)', () => {
    const r = appendAuditRecord(
      null,
      { type: 'login', actor: 'a', at: 0, subject: null, data: {} },
      sha256,
    );
    const body = `{"actor":"a","at":0,"data":{},"prevHash":"${AUDIT_GENESIS_HASH}","seq":1,"subject":null,"type":"login"}`;
    expect(r.hash).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('verifies a segment after an anchor, and catches a cut-off end against the expected head', () => {
    const rs = chain([base, base, base, base]);
    expect(verifyChain(rs.slice(2), sha256, { after: { seq: 2, hash: rs[1]!.hash } }).ok).toBe(
      true,
    );
    expect(verifyChain(rs.slice(2), sha256).ok).toBe(false);
    const head = { seq: 4, hash: rs[3]!.hash };
    expect(verifyChain(rs, sha256, { expectedHead: head }).ok).toBe(true);
    expect(verifyChain(rs.slice(0, 3), sha256, { expectedHead: head })).toMatchObject({
      ok: false,
      failure: 'head',
      index: 3,
    });
  });

  it('refuses a bad digest function, unknown types and bad times', () => {
    expect(() => appendAuditRecord(null, base, () => 'XYZ')).toThrow(/digest/);
    expect(() => appendAuditRecord(null, { ...base, type: 'nope' as 'login' }, sha256)).toThrow(
      /type/,
    );
    expect(() => appendAuditRecord(null, { ...base, at: 1.5 }, sha256)).toThrow(/time/);
  });

  it('parses only the canonical form of a line', () => {
    const [r] = chain([base]);
    const line = serializeAuditRecord(r!);
    expect(parseAuditLine(line)).toEqual(r);
    expect(() => parseAuditLine(line.replace('{', '{ '))).toThrow(/canonical/);
    expect(() => parseAuditLine(line.replace('"blurred"', '"\\u0062lurred"'))).toThrow(/canonical/);
    expect(() => parseAuditLine('[]')).toThrow(/object/);
  });

  it('property: any single-byte change of a serialised log is pinned to its line', () => {
    fc.assert(
      fc.property(entries, fc.nat(), fc.integer({ min: 1, max: 255 }), (es, pos, delta) => {
        const lines = chain(es).map(serializeAuditRecord);
        const bytes = new TextEncoder().encode(lines.join('\n'));
        const at = pos % bytes.length;
        const changed = bytes.slice();
        changed[at] = (changed[at]! + delta) & 0xff;
        const text = new TextDecoder().decode(changed);
        const result = verifyAuditLines(text.split('\n'), sha256);
        expect(result.ok).toBe(false);
        // Pinpoint: the first bad record is the line holding the changed byte (a changed
        // newline belongs to the line it ends).
        const line = new TextDecoder().decode(bytes.slice(0, at)).split('\n').length - 1;
        if (!result.ok) expect(result.index).toBe(line);
      }),
      { numRuns: 400 },
    );
  });

  it('property: an edited field is pinned to its record', () => {
    fc.assert(
      fc.property(entries, fc.nat(), fc.string({ minLength: 1, maxLength: 4 }), (es, pick, s) => {
        const rs = chain(es);
        const i = pick % rs.length;
        const edited = rs.map((r, k) => (k === i ? { ...r, actor: r.actor + s } : r));
        expect(verifyChain(edited, sha256)).toMatchObject({ ok: false, index: i, failure: 'hash' });
      }),
    );
  });

  it('property: deleting, inserting or reordering records is detected', () => {
    fc.assert(
      fc.property(entries, entry, fc.nat(), fc.nat(), (es, extra, a, b) => {
        const rs = chain([...es, extra]);
        const n = rs.length;
        const head = { seq: n, hash: rs[n - 1]!.hash };
        // Deletion of any one record (the last one only shows against the expected head).
        const del = a % n;
        expect(
          verifyChain(
            rs.filter((_, k) => k !== del),
            sha256,
            { expectedHead: head },
          ).ok,
        ).toBe(false);
        if (del < n - 1) {
          expect(
            verifyChain(
              rs.filter((_, k) => k !== del),
              sha256,
            ),
          ).toMatchObject({ ok: false, index: del });
        }
        // Insertion of a valid-looking record from another chain, anywhere.
        const foreign = appendAuditRecord(
          rs[(b % n) - 1] ?? null,
          { ...extra, actor: `${extra.actor}!` },
          sha256,
        );
        const ins = b % (n + 1);
        const withIns = [...rs.slice(0, ins), foreign, ...rs.slice(ins)];
        expect(verifyChain(withIns, sha256, { expectedHead: head }).ok).toBe(false);
        // Swapping two different positions.
        const i = a % n;
        const j = b % n;
        if (i !== j) {
          const swapped = [...rs];
          [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
          expect(verifyChain(swapped, sha256)).toMatchObject({ ok: false, index: Math.min(i, j) });
        }
      }),
      { numRuns: 300 },
    );
  });
});
