import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/lib/duration.js';

describe('parseDuration', () => {
  it.each([
    ['50s', 50],
    ['30m', 1800],
    ['1h', 3600],
    ['1d', 86_400],
    ['1h30m', 5400],
    ['2d3h4m5s', 2 * 86_400 + 3 * 3600 + 4 * 60 + 5],
    ['0s', 0],
    [' 15m ', 900],
  ])('%j is %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '50', 's', '5x', '1.5h', '-1m', '30m1h', '1h1h', '1 h', 'PT1H'])(
    'refuses %j, quoting it',
    (text) => {
      expect(() => parseDuration(text)).toThrow(
        new RegExp(`^"${text.replace('.', '\\.')}" is not a duration: .*e\\.g\\. 50s`),
      );
    },
  );

  it('refuses a duration too long to count in seconds exactly', () => {
    expect(() => parseDuration('99999999999999999d')).toThrow(/too long/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [50, '50s'],
    [900, '15m'],
    [5400, '1h30m'],
    [86_400 + 1, '1d1s'],
    [59.6, '1m'],
  ])('%d seconds is %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const seconds of [1, 61, 3599, 3661, 90_061, 1_000_000]) {
      expect(parseDuration(formatDuration(seconds))).toBe(seconds);
    }
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d', (seconds) => {
    expect(() => formatDuration(seconds)).toThrow(RangeError);
  });
});
