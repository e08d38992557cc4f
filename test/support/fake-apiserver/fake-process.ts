/**
 * The "container" behind `pods/exec`: a handful of commands with real exit semantics, enough for
 * tests to see stdout, stdin echo and non-zero exit codes travel through a gateway.
 */

import { createTar, extractTar } from './tar.js';

export interface ProcessIO {
  stdout(data: string | Buffer): void;
  stderr(text: string): void;
  exit(code: number): void;
}

/** A container's files, by absolute path: what `kubectl cp` copies in and out. */
export type ContainerFiles = Map<string, Buffer>;

export interface FakeProcess {
  write(stdin: Buffer): void;
  endInput(): void;
}

const finished: FakeProcess = { write: () => undefined, endInput: () => undefined };

/** Runs `argv`; `sh -c "<cmd> <args>"` runs the words of the script as a single command. */
export function spawnFakeProcess(
  argv: readonly string[],
  io: ProcessIO,
  files: ContainerFiles = new Map(),
): FakeProcess {
  const [command = '', ...args] = argv;
  switch (command) {
    case 'echo':
      io.stdout(`${args.join(' ')}\n`);
      io.exit(0);
      return finished;
    case 'true':
      io.exit(0);
      return finished;
    case 'false':
      io.exit(1);
      return finished;
    case 'exit':
      io.exit(Number(args[0] ?? 0) || 0);
      return finished;
    case 'cat':
      return { write: (data) => io.stdout(data), endInput: () => io.exit(0) };
    case 'tar':
      return runTar(args, io, files);
    case 'sh':
    case '/bin/sh':
    case 'bash':
      if (args[0] === '-c' && args[1] !== undefined)
        return spawnFakeProcess(args[1].trim().split(/\s+/), io, files);
      break;
  }
  io.stderr(`sh: ${command}: not found\n`);
  io.exit(127);
  return finished;
}

const normalise = (path: string) =>
  `/${path
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/')}`;

/**
 * `tar cf - PATH` (copy out: the files under PATH, named without the leading `/`) and `tar xmf - -C DIR` (copy in:
 * the archive on stdin unpacked under DIR), as `kubectl cp` runs them; other flags are accepted and ignored.
 */
function runTar(args: readonly string[], io: ProcessIO, files: ContainerFiles): FakeProcess {
  const mode = args.find((a) => /^-?[a-zA-Z]+$/.test(a) && /[cx]/.test(a)) ?? '';
  if (mode.includes('c')) {
    const roots = args
      .slice(args.indexOf(mode) + 2)
      .filter((a) => !a.startsWith('-'))
      .map(normalise);
    const entries = [...files]
      .filter(([path]) => roots.some((root) => path === root || path.startsWith(`${root}/`)))
      .map(([path, content]) => ({ path: path.slice(1), content }));
    const missing = roots.filter(
      (root) => !entries.some((e) => `/${e.path}` === root || `/${e.path}`.startsWith(`${root}/`)),
    );
    if (missing.length > 0) {
      io.stderr(missing.map((m) => `tar: ${m.slice(1)}: Cannot stat: No such file or directory\n`).join(''));
      io.exit(2);
      return finished;
    }
    io.stdout(createTar(entries));
    io.exit(0);
    return finished;
  }
  if (mode.includes('x')) {
    const at = args.indexOf('-C');
    const dir = at >= 0 ? normalise(args[at + 1] ?? '/') : '/';
    const input: Buffer[] = [];
    return {
      write: (data) => input.push(Buffer.from(data)),
      endInput: () => {
        for (const entry of extractTar(Buffer.concat(input))) {
          if (!entry.path.endsWith('/')) files.set(normalise(`${dir}/${entry.path}`), entry.content);
        }
        io.exit(0);
      },
    };
  }
  io.stderr('tar: You must specify one of the -Acdtrux options\n');
  io.exit(2);
  return finished;
}
