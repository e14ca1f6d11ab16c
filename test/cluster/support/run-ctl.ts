import { spawn } from 'node:child_process';
import { brokerctlEntry } from '../../../node/src/dev/index.js';

/** The result of one brokerctl run. */
export interface CtlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built brokerctl; kills it after `timeoutMs`. */
export function runCtl(
  args: readonly string[],
  stdin?: string | Buffer,
  timeoutMs = 20_000
): Promise<CtlResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [brokerctlEntry(), ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** Starts brokerctl and returns the child (for long-running `sub`). */
export function startCtl(args: readonly string[]): {
  child: ReturnType<typeof spawn>;
  result: Promise<CtlResult>;
} {
  const child = spawn(process.execPath, [brokerctlEntry(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const result = new Promise<CtlResult>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  );
  return { child, result };
}
