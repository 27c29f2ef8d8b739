/**
 * Where a command writes. With --json, human-readable text goes to stderr and stdout carries exactly one JSON
 * object as its last line; without it, text goes to stdout.
 */
export interface Output {
  readonly json: boolean;
  /** Human-readable line. */
  info(line: string): void;
  /** The stream progress bars should use. */
  readonly progressStream: NodeJS.WriteStream;
  /** Prints the final JSON object (only in --json mode). */
  result(value: Record<string, unknown>): void;
}

export function makeOutput(json: boolean): Output {
  const text = json ? process.stderr : process.stdout;
  return {
    json,
    info: (line) => void text.write(line + '\n'),
    progressStream: text,
    result: (value) => {
      if (json) process.stdout.write(JSON.stringify(value) + '\n');
    },
  };
}
