import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createReviewEngine } from '../../../src/reviews/engine.js';
import { createSlackAdapter } from '../../../src/slack/adapter.js';
import { slackTestConfig } from '../../support/slack/slack-env.js';

describe('Slack adapter start-up', () => {
  it('says in the log that Slack approvals are on, and where cards go', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-slack-start-'));
    const db = await openDatabase(`sqlite:${join(dir, 'airlock.db')}`);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const engine = createReviewEngine(db, { notify: () => undefined, now: () => new Date() });
    const adapter = createSlackAdapter({
      config: slackTestConfig(),
      db,
      reviews: () => engine,
      logger: createLogger('info', sink),
    });
    try {
      await adapter.start();
      const started = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(started).toContainEqual(
        expect.objectContaining({
          msg: 'Slack approvals are on: cards are posted to Slack and decided there',
          channel: 'C0ONCALL',
        }),
      );
    } finally {
      await adapter.stop();
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
