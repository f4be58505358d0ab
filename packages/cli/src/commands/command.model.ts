/** Where a command writes; injectable so tests can capture output. */
export interface CommandIo {
  /** Standard output (results). */
  readonly stdout: NodeJS.WritableStream;
  /** Standard error (errors, progress). */
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Standard input (default `process.stdin`; tests pass a stream). */
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** The implementation of one `lifeguard` sub-command (loaded only when it runs). */
export interface Command {
  /** Full usage text for `lifeguard NAME --help`. */
  readonly usage: string;
  /** Run with the arguments after the command name; resolves to the process exit code. */
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}

/**
 * A sub-command as listed by `lifeguard --help`. The implementation is imported on demand:
 * importing every command up front loads the server, the media stack and the database
 * drivers (about a second of CPU) even for `lifeguard risk replay`.
 */
export interface CommandEntry {
  /** Name as typed (`hash`, `bank`, `match`, ...). */
  readonly name: string;
  /** One line for `lifeguard --help`. */
  readonly summary: string;
  /** Import the implementation. */
  load(): Promise<Command>;
}
