/**
 * The "container" behind `pods/exec`: a handful of commands with real exit semantics, enough for
 * tests to see stdout, stdin echo and non-zero exit codes travel through a gateway.
 */

export interface ProcessIO {
  stdout(text: string): void;
  stderr(text: string): void;
  exit(code: number): void;
}

export interface FakeProcess {
  write(stdin: Buffer): void;
  endInput(): void;
}

const finished: FakeProcess = { write: () => undefined, endInput: () => undefined };

/** Runs `argv`; `sh -c "<cmd> <args>"` runs the words of the script as a single command. */
export function spawnFakeProcess(argv: readonly string[], io: ProcessIO): FakeProcess {
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
      return { write: (data) => io.stdout(data.toString('utf8')), endInput: () => io.exit(0) };
    case 'sh':
    case '/bin/sh':
    case 'bash':
      if (args[0] === '-c' && args[1] !== undefined) return spawnFakeProcess(args[1].trim().split(/\s+/), io);
      break;
  }
  io.stderr(`sh: ${command}: not found\n`);
  io.exit(127);
  return finished;
}
