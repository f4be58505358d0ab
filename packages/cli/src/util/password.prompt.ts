import { ErrorCodes, LifeguardError } from '@lifeguard/core';

/** A stream we can read a line from, and maybe switch to raw mode (a TTY). */
type Input = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/** Read stdin to its end (or 64 KiB) and return the first line, without its newline. */
export async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.includes('\n') || text.length > 65_536) break;
  }
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (line === '') throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'no password on stdin');
  return line;
}

/** Ask for a password on a terminal with echo off; nothing typed is ever written back. */
export function promptHidden(
  input: Input,
  output: NodeJS.WritableStream,
  question: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    input.setRawMode?.(true);
    input.resume();
    let value = '';
    const done = (err?: Error): void => {
      input.setRawMode?.(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003')
          return done(new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}

/**
 * The new password: from the first line of stdin with `fromStdin` (scripts: `printf '%s\n'
 * "$PW" | lifeguard user add ...`), else asked twice on the terminal. Never printed, never
 * taken from the command line (it would land in shell history and `ps`).
 */
export async function newPassword(
  input: Input,
  output: NodeJS.WritableStream,
  fromStdin: boolean,
): Promise<string> {
  if (fromStdin) return readFirstLine(input);
  if (!input.isTTY) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      'no terminal to ask for the password on: pass --password-stdin and pipe it in',
    );
  }
  const a = await promptHidden(input, output, 'New password: ');
  const b = await promptHidden(input, output, 'Repeat it: ');
  if (a !== b) throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'the passwords differ');
  return a;
}
