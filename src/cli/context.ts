import type { Database } from '../db/database.js';
import type { PeopleDirectory } from '../reviews/people.js';

/** What a terminal command needs from the process: opened lazily so `--help` never touches the database. */
export interface CliContext {
  database(): Promise<Database>;
  /** The configured people: who a terminal `--as` name is. */
  people(): PeopleDirectory;
  /** The configured key chain heads are sealed with (`recording.seal`), if any. */
  sealKey(): Buffer | undefined;
  stdout: NodeJS.WritableStream;
}
