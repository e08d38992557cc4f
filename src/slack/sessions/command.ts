/**
 * The `/agent-sessions` text as a typed request. Slack hands the arguments over as one untrusted string; this is
 * the only place that reads it, and every mistake comes back as a message that says what would have worked.
 */
import { parseDuration } from '../../lib/duration.js';
import { SESSION_STATUSES, type SessionStatus } from '../../recording/query.js';
import { inlineCode } from '../blocks/text.js';
import { isSessionId } from './state.js';

/** The list filters, in a form that fits a button value (times as epoch milliseconds). */
export interface ListFilter {
  agent?: string;
  owner?: string;
  cluster?: string;
  namespace?: string;
  status?: SessionStatus;
  /** Sessions active at or after this instant. */
  sinceMs?: number;
}

export type SessionsCommand =
  | { kind: 'recent' }
  | { kind: 'list'; filter: ListFilter }
  | { kind: 'show'; sessionId: string }
  /** `step` is 0-based; people type 1-based `from:N`. */
  | { kind: 'replay'; sessionId: string; step: number }
  | { kind: 'pending' }
  | { kind: 'help' };

export class CommandSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandSyntaxError';
  }
}

/** The filter keys people type, with an example value each (for error messages). */
const FILTER_EXAMPLES = {
  agent: 'ci-bot',
  owner: 'dave@example.com',
  cluster: 'prod',
  ns: 'payments',
  status: 'denied',
  since: '2h',
} as const;

type FilterKey = keyof typeof FILTER_EXAMPLES;

/** What the user typed, quoted inertly (it may contain mentions or links). */
const quoted = (text: string): string => inlineCode(text, 60);

/** Words split on whitespace; double or single quotes keep spaces inside a word (`agent:"my bot"`). */
export function tokenize(text: string): string[] {
  return [...text.matchAll(/(?:[^\s"']|"[^"]*"|'[^']*')+/g)].map((m) =>
    m[0].replace(/"([^"]*)"|'([^']*)'/g, '$1$2'),
  );
}

/** Slack turns typed addresses and links into `<mailto:a@b|a@b>` / `<https://…|…>`; people meant the label. */
function unwrapSlackLink(word: string): string {
  const link = /^<(?:mailto:)?([^|>]*)(?:\|([^>]*))?>$/.exec(word);
  return link ? (link[2] ?? link[1] ?? '') : word;
}

function isFilterKey(key: string): key is FilterKey {
  return Object.hasOwn(FILTER_EXAMPLES, key);
}

function isStatus(value: string): value is SessionStatus {
  return (SESSION_STATUSES as readonly string[]).includes(value);
}

function status(value: string): SessionStatus {
  if (isStatus(value)) return value;
  throw new CommandSyntaxError(
    `${quoted(`status:${value}`)} is not a status: use ${SESSION_STATUSES.join(', ')}.`,
  );
}

function withFilter(filter: ListFilter, key: FilterKey, value: string, now: Date): ListFilter {
  switch (key) {
    case 'agent':
    case 'owner':
    case 'cluster':
      return { ...filter, [key]: value };
    case 'ns':
      return { ...filter, namespace: value };
    case 'status':
      return { ...filter, status: status(value) };
    case 'since':
      return { ...filter, sinceMs: now.getTime() - durationSeconds(value) * 1000 };
  }
}

function parseFilter(words: readonly string[], now: Date): ListFilter {
  let filter: ListFilter = {};
  const seen = new Set<FilterKey>();
  for (const word of words) {
    const colon = word.indexOf(':');
    const key = word.slice(0, colon).toLowerCase();
    const value = unwrapSlackLink(word.slice(colon + 1)).trim();
    if (colon <= 0 || !isFilterKey(key)) {
      const keys = Object.keys(FILTER_EXAMPLES).map((k) => `\`${k}:…\``);
      throw new CommandSyntaxError(`${quoted(word)} is not a filter. Filters are ${keys.join(', ')}.`);
    }
    if (value === '')
      throw new CommandSyntaxError(`\`${key}:\` needs a value, e.g. \`${key}:${FILTER_EXAMPLES[key]}\`.`);
    if (seen.has(key)) throw new CommandSyntaxError(`\`${key}:\` is given twice.`);
    seen.add(key);
    filter = withFilter(filter, key, value, now);
  }
  return filter;
}

function durationSeconds(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new CommandSyntaxError(
      `${quoted(`since:${text}`)} is not a duration: write e.g. \`since:30m\`, \`since:2h\`, \`since:1d\`.`,
    );
  }
}

function sessionId(word: string | undefined, sub: string): string {
  if (word === undefined)
    throw new CommandSyntaxError(`\`${sub}\` needs a session id: \`/agent-sessions ${sub} ID\`.`);
  const id = word.toLowerCase();
  if (!isSessionId(id))
    throw new CommandSyntaxError(
      `${quoted(word)} is not a session id (24 hex characters, as \`/agent-sessions list\` shows them).`,
    );
  return id;
}

function replayStart(words: readonly string[]): number {
  if (words.length === 0) return 0;
  const match = words.length === 1 ? /^from:(\d{1,7})$/.exec(words[0] ?? '') : null;
  const from = Number(match?.[1]);
  if (!match || from < 1)
    throw new CommandSyntaxError('Replay takes one option, `from:N`, with N ≥ 1 (the first step is 1).');
  return from - 1;
}

function noArguments(sub: string, rest: readonly string[]): void {
  if (rest.length > 0) throw new CommandSyntaxError(`\`${sub}\` takes no arguments.`);
}

/** Reads the command text; throws CommandSyntaxError with a message fit to show the user. */
export function parseCommand(text: string, now: Date): SessionsCommand {
  const [sub, ...rest] = tokenize(text);
  switch (sub?.toLowerCase()) {
    case undefined:
      return { kind: 'recent' };
    case 'list':
      return { kind: 'list', filter: parseFilter(rest, now) };
    case 'show':
      noArguments('show ID', rest.slice(1));
      return { kind: 'show', sessionId: sessionId(rest[0], 'show') };
    case 'replay':
      return { kind: 'replay', sessionId: sessionId(rest[0], 'replay'), step: replayStart(rest.slice(1)) };
    case 'pending':
      noArguments('pending', rest);
      return { kind: 'pending' };
    case 'help':
      return { kind: 'help' };
    default:
      throw new CommandSyntaxError(
        `${quoted(sub ?? '')} is not a subcommand: use \`list\`, \`show\`, \`replay\`, \`pending\` or \`help\`.`,
      );
  }
}
