import { describe, expect, it } from 'vitest';
import { CommandSyntaxError, parseCommand, tokenize } from '../../../../src/slack/sessions/command.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const ID = '0123456789abcdef01234567';
const parse = (text: string) => parseCommand(text, NOW);
const problem = (text: string): string => {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof CommandSyntaxError) return e.message;
    throw e;
  }
  throw new Error(`"${text}" parsed`);
};

describe('parseCommand', () => {
  it('reads each subcommand', () => {
    expect(parse('')).toEqual({ kind: 'recent' });
    expect(parse('  ')).toEqual({ kind: 'recent' });
    expect(parse('HELP')).toEqual({ kind: 'help' });
    expect(parse('pending')).toEqual({ kind: 'pending' });
    expect(parse(`show ${ID.toUpperCase()}`)).toEqual({ kind: 'show', sessionId: ID });
    expect(parse(`replay ${ID}`)).toEqual({ kind: 'replay', sessionId: ID, step: 0 });
    expect(parse(`replay ${ID} from:12`)).toEqual({ kind: 'replay', sessionId: ID, step: 11 });
  });

  it('reads every filter, times relative to now', () => {
    expect(
      parse('list agent:ci-bot owner:dave@example.com cluster:prod ns:payments status:denied since:2h'),
    ).toEqual({
      kind: 'list',
      filter: {
        agent: 'ci-bot',
        owner: 'dave@example.com',
        cluster: 'prod',
        namespace: 'payments',
        status: 'denied',
        sinceMs: NOW.getTime() - 2 * 3_600_000,
      },
    });
  });

  it('unwraps the links Slack makes of addresses and keeps quoted values whole', () => {
    expect(parse('list owner:<mailto:dave@example.com|dave@example.com>')).toEqual({
      kind: 'list',
      filter: { owner: 'dave@example.com' },
    });
    expect(tokenize(`list agent:"my bot" 'a b'`)).toEqual(['list', 'agent:my bot', 'a b']);
  });

  it.each([
    ['delete everything', /`delete` is not a subcommand/],
    ['list foo:bar', /`foo:bar` is not a filter\. Filters are `agent:…`/],
    ['list agent:', /`agent:` needs a value, e\.g\. `agent:ci-bot`/],
    ['list agent:a agent:b', /`agent:` is given twice/],
    ['list status:ok', /`status:ok` is not a status: use denied, reviewed, pending, failed/],
    ['list since:soon', /`since:soon` is not a duration/],
    ['show', /`show` needs a session id/],
    ['show abc', /`abc` is not a session id/],
    [`show ${ID} extra`, /takes no arguments/],
    [`replay ${ID} from:0`, /from:N/],
    [`replay ${ID} at:3`, /from:N/],
    ['pending now', /`pending` takes no arguments/],
    ['list <@U123>', /`&lt;@U123&gt;` is not a filter/],
  ])('explains %s', (text, message) => {
    expect(problem(text)).toMatch(message);
  });
});
