import { Writable } from 'node:stream';
import type { CommandIo } from '../commands/command.model.js';

/** Command streams that record what was written (test-only helper). */
export interface CapturedIo extends CommandIo {
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

/** A {@link CommandIo} whose stdout and stderr are captured in memory (stderr is no TTY). */
export function captureIo(): CapturedIo {
  const sink = (parts: string[]): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb): void {
        parts.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        cb();
      },
    });
  const out: string[] = [];
  const err: string[] = [];
  return { stdout: sink(out), stderr: sink(err), out: () => out.join(''), err: () => err.join('') };
}
