/** Only `serve` and `migrate` migrate; every other command refuses a schema that is not exactly its own. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index.js';
import {
  type Database,
  SchemaMismatchError,
  createDatabase,
  migrate,
  openCurrentDatabase,
} from '../../src/db/database.js';

describe('schema version checks', () => {
  let dir: string;
  let url: string;
  let admin: Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-schema-'));
    url = join(dir, 'airlock.db');
    admin = createDatabase(url);
  });

  afterEach(async () => {
    await admin.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a database migrated by this build', async () => {
    await migrate(admin);
    const db = await openCurrentDatabase(url);
    await db.destroy();
  });

  it('refuses an unmigrated database without migrating it, and says to run airlock migrate', async () => {
    const opening = openCurrentDatabase(url);
    await expect(opening).rejects.toBeInstanceOf(SchemaMismatchError);
    await expect(opening).rejects.toThrow(/older than this airlock .*run `airlock migrate`/);
    expect(await admin.schema.hasTable('reviews')).toBe(false);
  });

  it('refuses a schema a migration short, naming it', async () => {
    await migrate(admin);
    const [last] = MIGRATIONS.at(-1)!;
    await admin('knex_migrations').where({ name: last }).delete();
    await expect(openCurrentDatabase(url)).rejects.toMatchObject({ direction: 'older', migrations: [last] });
  });

  it('refuses a schema migrated by a newer airlock', async () => {
    await migrate(admin);
    await admin('knex_migrations').insert({
      name: '20991231_001_future',
      batch: 9,
      migration_time: new Date(),
    });
    await expect(openCurrentDatabase(url)).rejects.toThrow(
      /newer than this airlock \(applied by a newer version: 20991231_001_future\)/,
    );
  });
});

describe('migration files', () => {
  it('are listed in the order of their file names, which is the order they run', () => {
    const folder = join(import.meta.dirname, '../../migrations');
    const files = readdirSync(folder)
      .filter((f) => /^\d{8}_\d+_.*\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    const index = readFileSync(join(folder, 'index.ts'), 'utf8');
    const fileOf = new Map(
      [...index.matchAll(/import \* as (\w+) from '\.\/([^']+)\.js';/g)].map(([, id, file]) => [id!, file!]),
    );
    const listed = [...index.matchAll(/\['\d{8}_[^']+', (\w+)\]/g)].map(([, id]) => fileOf.get(id!));
    expect(listed).toEqual(files);
    expect(listed).toHaveLength(MIGRATIONS.length);
  });
});
