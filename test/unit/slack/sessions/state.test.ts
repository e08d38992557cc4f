import { describe, expect, it } from 'vitest';
import {
  decodeTranscriptTarget,
  decodeView,
  encodeTranscriptTarget,
  encodeView,
  type SessionsView,
} from '../../../../src/slack/sessions/state.js';

const ID = '0123456789abcdef01234567';

describe('button state', () => {
  it.each<SessionsView>([
    { view: 'list', filter: { agent: 'ci-bot', status: 'denied', sinceMs: 1_700_000_000_000 }, offset: 40 },
    { view: 'list', filter: {}, offset: 0 },
    { view: 'steps', sessionId: ID, offset: 20 },
    { view: 'replay', sessionId: ID, step: 999 },
  ])('round-trips %j', (view) => {
    expect(decodeView(encodeView(view))).toEqual(view);
  });

  it('fits a select option value (150 characters) for replay jumps', () => {
    expect(encodeView({ view: 'replay', sessionId: ID, step: 9_999_999 }).length).toBeLessThanOrEqual(150);
  });

  it.each([
    'not json',
    '{"view":"steps","sessionId":"../../etc","offset":0}',
    `{"view":"steps","sessionId":"${ID}","offset":-1}`,
    `{"view":"replay","sessionId":"${ID}","step":1.5}`,
    '{"view":"list","filter":{"status":"happy"},"offset":0}',
    '{"view":"list","filter":{"admin":true},"offset":0}',
    '{"view":"delete","sessionId":"x"}',
  ])('refuses values Airlock did not write: %s', (value) => {
    expect(decodeView(value)).toBeUndefined();
  });

  it('round-trips transcript targets and refuses forged ones', () => {
    expect(decodeTranscriptTarget(encodeTranscriptTarget({ sessionId: ID, reviewId: 'r-1' }))).toEqual({
      sessionId: ID,
      reviewId: 'r-1',
    });
    expect(decodeTranscriptTarget(encodeTranscriptTarget({ sessionId: ID }))).toEqual({ sessionId: ID });
    expect(decodeTranscriptTarget('{"sessionId":"x","channel":"C1"}')).toBeUndefined();
  });
});
