/** Runs the real kubectl (a dispatcher that picks its minor version from the server's /version). */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FakeApiServer } from './fake-apiserver/index.js';

export const KUBECTL = '/usr/bin/kubectl';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  input?: string;
  timeoutMs?: number;
}

export function runKubectl(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: KubectlOptions = {},
): Promise<KubectlResult> {
  return runProgram(KUBECTL, args, { ...opts, env });
}

/** Runs a program to its end; a failure to start or a timeout is an exit code, never a rejection. */
export function runProgram(
  file: string,
  args: readonly string[],
  opts: KubectlOptions & { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        env: opts.env,
        timeout: opts.timeoutMs ?? 60_000,
        // execFile's default of 1 MiB would cut a large list's output (and fail the run).
        maxBuffer: 64 * 1024 * 1024,
        ...(opts.cwd ? { cwd: opts.cwd } : {}),
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export interface DirectKubectl {
  (args: readonly string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** For commands that keep running (port-forward, watches). */
  spawn(args: readonly string[]): ChildProcess;
}

/** kubectl pointed straight at the fake API server, with a kubeconfig and discovery cache of its own in `dir`. */
export async function directKubectl(fake: FakeApiServer, dir: string): Promise<DirectKubectl> {
  const kubeconfig = join(dir, 'direct.kubeconfig');
  await writeFile(kubeconfig, fake.kubeconfig());
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    KUBECONFIG: kubeconfig,
    KUBECACHEDIR: join(dir, 'direct-kubecache'),
  };
  return Object.assign((args: readonly string[], opts?: KubectlOptions) => runKubectl(args, env, opts), {
    spawn: (args: readonly string[]) => spawn(KUBECTL, args, { env }),
  });
}

/**
 * Runs `kubectl port-forward POD :PORT` to its "Forwarding from" line, sends `message` through the forwarded port
 * and resolves with what came back (the fake's containers echo), then stops kubectl.
 */
export async function portForwardEcho(kubectl: ChildProcess, message: string): Promise<string> {
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let seen = '';
      kubectl.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(seen);
        if (match) resolve(Number(match[1]));
      });
      kubectl.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
      kubectl.once('exit', (code) => reject(new Error(`kubectl port-forward exited (${code}): ${seen}`)));
    });
    return await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(message));
      let echoed = '';
      socket.on('data', (chunk: Buffer) => {
        echoed += chunk.toString();
        if (echoed.length >= message.length) {
          socket.end();
          resolve(echoed);
        }
      });
      socket.on('error', reject);
    });
  } finally {
    kubectl.kill();
  }
}
