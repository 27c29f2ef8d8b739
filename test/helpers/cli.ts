/** Running the built `digits` CLI as a user would, and reading what it prints. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { tempDir } from './formats.js';

export const bin = fileURLToPath(new URL('../../bin/digits.js', import.meta.url));
const run = promisify(execFile);
/** Working directory of every run: default outputs (results/, model/) must not land in the repository. */
export const scratch = tempDir('digits-cwd-');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export async function digits(...args: string[]): Promise<Result> {
  try {
    const r = await run(process.execPath, [bin, ...args], { maxBuffer: 64 << 20, cwd: scratch });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** Each command fails: non-zero exit and exactly one stderr line, matching its message. */
export async function expectFailures(cases: [string[], RegExp][]): Promise<void> {
  for (const [args, message] of cases) {
    const r = await digits(...args);
    expect(r.code, args.join(' ')).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines, args.join(' ')).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  }
}

export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}
