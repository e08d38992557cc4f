import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import { MIGRATIONS, migrationSource } from '../../migrations/index.js';

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

/** Opens the database and applies pending migrations: what `serve` (and `airlock migrate`) do, and nothing else. */
export async function openDatabase(url: string): Promise<Database> {
  const db = createDatabase(url);
  await migrate(db);
  return db;
}

/** The database's schema is not the one this build of Airlock was written for. */
export class SchemaMismatchError extends Error {
  constructor(
    readonly direction: 'older' | 'newer',
    readonly migrations: readonly string[],
  ) {
    super(
      direction === 'older'
        ? `the database schema is older than this airlock (not applied: ${migrations.join(', ')}); ` +
            'run `airlock migrate` (or start `airlock serve`, which migrates) and try again'
        : `the database schema is newer than this airlock (applied by a newer version: ${migrations.join(', ')}); ` +
            'use the airlock version that migrated it',
    );
    this.name = 'SchemaMismatchError';
  }
}

/** Throws `SchemaMismatchError` unless exactly this build's migrations are applied. */
export async function assertSchemaCurrent(db: Database): Promise<void> {
  // Where knex records applied migrations (its default name; Airlock never changes it).
  const table = 'knex_migrations';
  const applied = (await db.schema.hasTable(table))
    ? ((await db(table).select('name')) as { name: string }[]).map((r) => r.name)
    : [];
  const known = new Set(MIGRATIONS.map(([name]) => name));
  const newer = applied.filter((name) => !known.has(name));
  if (newer.length > 0) throw new SchemaMismatchError('newer', newer);
  const older = [...known].filter((name) => !applied.includes(name));
  if (older.length > 0) throw new SchemaMismatchError('older', older);
}

/**
 * Opens the database for a command that only reads or changes data (every CLI command but `migrate`): it never
 * migrates, so an old CLI cannot silently downgrade-migrate nor a new one upgrade a schema the running replicas use.
 */
export async function openCurrentDatabase(url: string): Promise<Database> {
  const db = createDatabase(url);
  try {
    await assertSchemaCurrent(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}
