/**
 * Shared setup for the review engine tests: real databases (an SQLite temp file; Postgres in a throwaway schema
 * when AIRLOCK_TEST_POSTGRES_URL is set), a controllable clock, a recording notifier and request factories.
 */
import { testPostgresUrl } from '../support/postgres.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import { type Database, migrate, openDatabase } from '../../src/db/database.js';
import type { Agent } from '../../src/identity/agent.js';
import type { ClassifiedRequest } from '../../src/kube/request-info.js';
import { createMasker, defaultMaskingConfig } from '../../src/masking/index.js';
import type { ReviewSettings } from '../../src/policy/decision.js';
import {
  type ReviewEngineOptions,
  type ParkInput,
  type ReviewEngine,
  createReviewEngine,
} from '../../src/reviews/engine.js';
import type { Approver, ReviewEvent } from '../../src/reviews/model.js';

/** One logical database; `connect()` opens another independent connection pool to it (another "process"). */
export interface TestDatabase {
  connect(): Promise<Database>;
  close(): Promise<void>;
}

const POSTGRES_URL = testPostgresUrl();
export const DIALECTS = ['sqlite', ...(POSTGRES_URL ? ['postgres'] : [])] as const;

export async function createTestDatabase(dialect: (typeof DIALECTS)[number]): Promise<TestDatabase> {
  const opened: Database[] = [];
  const track = (db: Database): Database => (opened.push(db), db);
  if (dialect === 'postgres') {
    const url = POSTGRES_URL ?? '';
    const schema = `airlock_reviews_${randomBytes(4).toString('hex')}`;
    const admin = knex({ client: 'pg', connection: url });
    await admin.raw('create schema ??', [schema]);
    return {
      connect: async () => {
        const db = track(
          knex({ client: 'pg', connection: url, searchPath: [schema], pool: { min: 0, max: 5 } }),
        );
        await migrate(db);
        return db;
      },
      close: async () => {
        await Promise.all(opened.map((db) => db.destroy()));
        await admin.raw('drop schema ?? cascade', [schema]);
        await admin.destroy();
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'airlock-reviews-'));
  return {
    connect: async () => track(await openDatabase(join(dir, 'airlock.db'))),
    close: async () => {
      await Promise.all(opened.map((db) => db.destroy()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TestClock {
  now(): Date;
  advance(seconds: number): void;
}

export function testClock(start = Date.parse('2026-11-28T10:00:00Z')): TestClock {
  let current = start;
  return {
    now: () => new Date(current),
    advance: (seconds) => {
      current += seconds * 1000;
    },
  };
}

export interface Harness {
  engine: ReviewEngine;
  events: ReviewEvent[];
  /** Resolves with the first event of that type for that review (or any review) recorded from now on or before. */
  nextEvent(type: ReviewEvent['type'], reviewId?: string): Promise<ReviewEvent>;
}

export function harness(db: Database, clock: TestClock, options: ReviewEngineOptions = {}): Harness {
  const events: ReviewEvent[] = [];
  const listeners: (() => void)[] = [];
  const engine = createReviewEngine(
    db,
    {
      notify: (event) => {
        events.push(event);
        listeners.forEach((l) => l());
      },
      now: () => clock.now(),
      reportError: (error) => {
        throw error;
      },
    },
    { pollMs: 25, sweepMs: 50, ...options },
  );
  const nextEvent = (type: ReviewEvent['type'], reviewId?: string): Promise<ReviewEvent> =>
    new Promise((resolve) => {
      const check = (): boolean => {
        const found = events.find(
          (e) => e.type === type && (reviewId === undefined || e.review.id === reviewId),
        );
        if (found) resolve(found);
        return found !== undefined;
      };
      if (!check()) listeners.push(check);
    });
  return { engine, events, nextEvent };
}

export function reviewSettings(overrides: Partial<ReviewSettings> = {}): ReviewSettings {
  return {
    approvers: { users: ['alice', 'bob', 'carol'], groups: ['sre'] },
    approvals: 1,
    holdSeconds: 10,
    timeoutSeconds: 1800,
    maxGrantSeconds: 3600,
    confirm: false,
    ...overrides,
  };
}

export function testAgent(overrides: Partial<Agent> = {}): Agent {
  return {
    name: 'ci-bot',
    subject: 'agent-ci-bot',
    issuer: 'https://issuer.test',
    groups: ['agents'],
    owner: 'dave@example.com',
    tokenId: 'token-1',
    expiresAt: new Date('2026-11-28T12:00:00Z'),
    ...overrides,
  };
}

export function deleteDeployment(name = 'web', namespace = 'prod'): ClassifiedRequest {
  return {
    method: 'DELETE',
    path: `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
    query: new URLSearchParams(),
    info: {
      isResourceRequest: true,
      verb: 'delete',
      apiPrefix: 'apis',
      apiGroup: 'apps',
      apiVersion: 'v1',
      namespace,
      resource: 'deployments',
      subresource: '',
      name,
      parts: ['deployments', name],
    },
    dryRun: false,
  };
}

const masker = createMasker(defaultMaskingConfig());

/** What the review gate parks; `redacted` is the request masked as the gate masks it, unless given. */
export function parkInput(overrides: Partial<ParkInput> = {}): ParkInput {
  const request = overrides.request ?? deleteDeployment();
  return {
    agent: testAgent(),
    cluster: 'main',
    request,
    redacted: masker.maskRequest(request),
    contentType: 'application/json',
    body: Buffer.from('{"propagationPolicy":"Background"}'),
    redactedBody: '{"propagationPolicy":"Background"}',
    rule: 'prod-deletes',
    settings: reviewSettings(),
    ...overrides,
  };
}

/** A configured person (verified identity) named `name`, deciding from the terminal unless overridden. */
export function approver(name: string, overrides: Partial<Approver> = {}): Approver {
  return { id: name, name, identifiers: [name], groups: [], via: 'terminal', verified: true, ...overrides };
}

export const never = (): AbortSignal => new AbortController().signal;
