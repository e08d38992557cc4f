import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import { migrationSource } from '../../migrations/index.js';

export type Database = Knex;
export type Dialect = 'sqlite' | 'postgres';

/** `postgres://…` selects Postgres; anything else (`sqlite:PATH`, `file:PATH` or a bare path) is an SQLite file. */
export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
}

function sqlitePath(url: string): string {
  return url.replace(/^(sqlite|file):(\/\/)?/, '');
}

interface SqliteConnection {
  run(sql: string, cb: (err: Error | null) => void): void;
}

export function createDatabase(url: string): Database {
  if (dialectOf(url) === 'postgres') {
    return knex({ client: 'pg', connection: url, pool: { min: 0, max: 10 } });
  }
  const filename = sqlitePath(url);
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  return knex({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      // WAL lets readers (the CLI, a second replica) proceed while the gateway writes; the busy timeout
      // makes writers from different processes wait for each other instead of failing with SQLITE_BUSY.
      afterCreate: (conn: SqliteConnection, done: (err: Error | null, conn: SqliteConnection) => void) => {
        conn.run('PRAGMA journal_mode = WAL', (err) => {
          if (err) return done(err, conn);
          conn.run('PRAGMA busy_timeout = 5000', (err2) => {
            if (err2) return done(err2, conn);
            conn.run('PRAGMA foreign_keys = ON', (err3) => done(err3, conn));
          });
        });
      },
    },
  });
}

export async function migrate(db: Database): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** Opens the database and applies pending migrations: what `serve` and every CLI command that reads data do. */
export async function openDatabase(url: string): Promise<Database> {
  const db = createDatabase(url);
  await migrate(db);
  return db;
}
