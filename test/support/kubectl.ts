/** Runs the real kubectl (a dispatcher that picks its minor version from the server's /version). */
import { execFile } from 'node:child_process';
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
  return runProgram(KUBECTL, args, { env, ...opts });
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
      { env: opts.env, timeout: opts.timeoutMs ?? 60_000, ...(opts.cwd ? { cwd: opts.cwd } : {}) },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** kubectl pointed straight at the fake API server, with a kubeconfig and discovery cache of its own in `dir`. */
export async function directKubectl(
  fake: FakeApiServer,
  dir: string,
): Promise<(args: readonly string[], opts?: KubectlOptions) => Promise<KubectlResult>> {
  const kubeconfig = join(dir, 'direct.kubeconfig');
  await writeFile(kubeconfig, fake.kubeconfig());
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    KUBECONFIG: kubeconfig,
    KUBECACHEDIR: join(dir, 'direct-kubecache'),
  };
  return (args, opts) => runKubectl(args, env, opts);
}
