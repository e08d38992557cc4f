import type { Database } from '../db/database.js';

/** What a terminal command needs from the process: opened lazily so `--help` never touches the database. */
export interface CliContext {
  database(): Promise<Database>;
  stdout: NodeJS.WritableStream;
}
