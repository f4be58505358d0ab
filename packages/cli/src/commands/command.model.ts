/** Where a command writes; injectable so tests can capture output. */
export interface CommandIo {
  /** Standard output (results). */
  readonly stdout: NodeJS.WritableStream;
  /** Standard error (errors, progress). */
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Standard input (default `process.stdin`; tests pass a stream). */
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** One `lifeguard` sub-command. */
export interface Command {
  /** Name as typed (`hash`, `bank`, `match`, ...). */
  readonly name: string;
  /** One line for `lifeguard --help`. */
  readonly summary: string;
  /** Full usage text for `lifeguard NAME --help`. */
  readonly usage: string;
  /** Run with the arguments after the command name; resolves to the process exit code. */
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}
