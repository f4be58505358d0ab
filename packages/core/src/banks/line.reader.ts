/**
 * Streaming line splitting for bank files: bytes or text chunks in, lines out, constant
 * memory. Pure (no I/O): callers hand in any async iterable (a file stream, a request body).
 */

/** Longest line kept, in UTF-16 code units; longer lines are replaced by {@link OVERLONG_LINE}. */
export const MAX_LINE_LENGTH = 1 << 20;

/**
 * Stand-in yielded for a line longer than {@link MAX_LINE_LENGTH}, so that one enormous line
 * costs no memory and is reported as invalid (with its line number) instead of being kept.
 * It starts with a NUL character, which no valid record contains.
 */
export const OVERLONG_LINE = '\u0000<line too long>';

/**
 * Split a stream into lines. Accepts `Uint8Array` chunks (decoded as UTF-8, multi-byte
 * characters split across chunks handled) or strings. Line ends are `\n` or `\r\n`; a
 * UTF-8 byte-order mark at the very start is dropped; a last line without a newline is
 * still yielded. Yields one string per line, in order (line n is the n-th item, 1-based).
 */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let buf = '';
  let first = true;
  let overlong = false; // inside a line that is already too long: drop until its end

  function* emit(text: string, final: boolean): Generator<string> {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (overlong) {
        overlong = false;
        buf = '';
        yield OVERLONG_LINE;
        continue;
      }
      const line = buf + piece;
      buf = '';
      if (line.length > MAX_LINE_LENGTH) {
        yield OVERLONG_LINE;
        continue;
      }
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
    }
    const rest = text.slice(start);
    if (!overlong) {
      buf += rest;
      if (buf.length > MAX_LINE_LENGTH) {
        overlong = true;
        buf = '';
      }
    }
    if (final) {
      if (overlong) yield OVERLONG_LINE;
      else if (buf.length > 0) yield buf.endsWith('\r') ? buf.slice(0, -1) : buf;
      buf = '';
    }
  }

  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    yield* emit(text, false);
  }
  yield* emit(decoder.decode(), true);
}
