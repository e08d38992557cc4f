import type { Knex } from 'knex';
import * as identityAndRecording from './20261128_001_identity_and_recording.js';
import * as reviews from './20261128_002_reviews.js';
import * as recordingChain from './20261128_003_recording_chain.js';
import * as slack from './20261128_004_slack.js';
import * as reviewEvents from './20261128_005_review_events.js';
import * as approvalIdentity from './20261205_011_approval_identity_grant_scope_lease.js';
import * as chainSeals from './20261205_012_chain_seals.js';
import * as sessionRevocations from './20261205_014_session_revocations.js';
import * as stepAndPresenceIndexes from './20261205_015_step_and_presence_indexes.js';
import * as reviewToken from './20261205_016_review_token.js';

/**
 * Migrations are listed here explicitly (not discovered from the file system) so that the same list runs
 * from TypeScript sources in tests and from the compiled build in production, on SQLite and Postgres.
 */
interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * In the order they run, which is the order of their files. The name is what databases record as applied, so it
 * never changes: the recording chain's file was renamed from `…_031_…` to sit where it runs (it touches only its own
 * tables, so running it before the Slack tables on a new database changes nothing), under the name it was applied as.
 */
export const MIGRATIONS: readonly (readonly [name: string, migration: Migration])[] = [
  ['20261128_001_identity_and_recording', identityAndRecording],
  ['20261128_002_reviews', reviews],
  ['20261128_031_recording_chain', recordingChain],
  ['20261128_004_slack', slack],
  ['20261128_005_review_events', reviewEvents],
  ['20261205_011_approval_identity_grant_scope_lease', approvalIdentity],
  ['20261205_012_chain_seals', chainSeals],
  ['20261205_014_session_revocations', sessionRevocations],
  ['20261205_015_step_and_presence_indexes', stepAndPresenceIndexes],
  ['20261205_016_review_token', reviewToken],
];

export const migrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
