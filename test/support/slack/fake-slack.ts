/**
 * The Slack Web API as nock interceptors on a test base URL: records every call (form fields parsed, JSON
 * arguments decoded) and answers like Slack, with scripted failures (500, 429 + Retry-After) per method.
 */
import nock from 'nock';

export const SLACK_BASE = 'https://slack.test';
export const SLACK_API_URL = `${SLACK_BASE}/api/`;
export const TEAM = 'T0HOME';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** When it arrived (epoch ms). */
  at: number;
  /** The HTTP status it was answered with. */
  status: number;
}

type Failure = { status: number; headers?: Record<string, string>; body?: unknown };

export interface FakeUser {
  id: string;
  name: string;
  email?: string;
  teamId?: string;
  isBot?: boolean;
}

export interface FakeSlack {
  calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  /** The next answers of `method` fail like this, in order, before it answers normally again. */
  failNext(method: string, ...failures: Failure[]): void;
  /** An outage: every Web API call fails like this until `up()`. */
  down(failure: Failure): void;
  up(): void;
  close(): void;
}

export interface FakeSlackDirectory {
  users: FakeUser[];
  groups: Record<string, string[]>;
}

function decode(value: string): unknown {
  if (!/^[[{]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export function startFakeSlack(directory: FakeSlackDirectory): FakeSlack {
  const calls: SlackCall[] = [];
  const failures = new Map<string, Failure[]>();
  let outage: Failure | undefined;
  let clock = 1_700_000_000;
  const nextTs = () => `${++clock}.000100`;

  const answer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    switch (method) {
      case 'auth.test':
        return { ok: true, team_id: TEAM, user_id: 'U0AIRLOCK', bot_id: 'B0AIRLOCK' };
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts: nextTs() };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'views.open':
        return { ok: true, view: { id: 'V0MODAL' } };
      case 'users.info': {
        const u = directory.users.find((x) => x.id === args.user);
        if (!u) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: u.id,
            team_id: u.teamId ?? TEAM,
            name: u.name.toLowerCase(),
            deleted: false,
            is_bot: u.isBot ?? false,
            profile: { real_name: u.name, ...(u.email ? { email: u.email } : {}) },
          },
        };
      }
      case 'users.lookupByEmail': {
        const u = directory.users.find((x) => x.email === args.email);
        return u ? { ok: true, user: { id: u.id } } : { ok: false, error: 'users_not_found' };
      }
      case 'usergroups.users.list':
        return { ok: true, users: directory.groups[String(args.usergroup)] ?? [] };
      case 'files.getUploadURLExternal':
        return { ok: true, file_id: 'F0DIFF', upload_url: `${SLACK_BASE}/upload/F0DIFF` };
      case 'files.completeUploadExternal':
        return { ok: true, files: [{ id: 'F0DIFF' }] };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const scope = nock(SLACK_BASE)
    .persist()
    .post(/^\/api\/[\w.]+$/)
    .reply((uri, body) => {
      const method = uri.replace('/api/', '');
      const raw =
        typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString();
      const args = Object.fromEntries([...new URLSearchParams(raw)].map(([k, v]) => [k, decode(v)]));
      const failure = outage ?? failures.get(method)?.shift();
      calls.push({ method, args, at: Date.now(), status: failure?.status ?? 200 });
      if (failure) return [failure.status, failure.body ?? '', failure.headers ?? {}];
      return [200, answer(method, args)];
    })
    .post(/^\/upload\//)
    .reply((uri) => {
      calls.push({ method: 'upload', args: { uri }, at: Date.now(), status: 200 });
      return [200, 'OK'];
    });

  return {
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    failNext: (method, ...f) => failures.set(method, [...(failures.get(method) ?? []), ...f]),
    down: (failure) => {
      outage = failure;
    },
    up: () => {
      outage = undefined;
    },
    close: () => {
      scope.persist(false);
      nock.cleanAll();
    },
  };
}
