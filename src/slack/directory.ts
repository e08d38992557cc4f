/**
 * Who is who in the Slack workspace: the workspace itself (auth.test), users (users.info), user-group members
 * (usergroups.users.list, a Tier 2 method) and owners by email. Every lookup is cached for a while.
 */
import type { WebClient } from './web-client.js';

export interface SlackWorkspace {
  teamId: string;
  botUserId?: string;
  botId?: string;
}

export interface SlackUser {
  id: string;
  teamId?: string;
  name: string;
  email?: string;
  deleted: boolean;
  isBot: boolean;
  /** Someone from another organisation whom this workspace only sees through a shared channel. */
  isStranger: boolean;
}

/** Caches promises (concurrent lookups share one call); failures are not cached. */
class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const at = this.now().getTime();
    const hit = this.entries.get(key);
    if (hit && hit.until > at) return hit.value;
    const value = load();
    this.entries.set(key, { value, until: at + this.ttlMs });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;

export class SlackDirectory {
  private workspaceInfo?: Promise<SlackWorkspace>;
  private readonly users: TtlCache<SlackUser>;
  private readonly groups: TtlCache<ReadonlySet<string>>;
  private readonly owners: TtlCache<string | undefined>;

  constructor(
    private readonly client: WebClient,
    opts: { ttlMs?: number; now: () => Date },
  ) {
    const ttl = opts.ttlMs ?? 5 * 60_000;
    this.users = new TtlCache(ttl, opts.now);
    this.groups = new TtlCache(ttl, opts.now);
    this.owners = new TtlCache(ttl, opts.now);
  }

  workspace(): Promise<SlackWorkspace> {
    this.workspaceInfo ??= this.client.auth.test().then((r) => {
      if (!r.team_id) throw new Error('Slack auth.test returned no team_id: is SLACK_BOT_TOKEN a bot token?');
      return {
        teamId: r.team_id,
        ...(r.user_id ? { botUserId: r.user_id } : {}),
        ...(r.bot_id ? { botId: r.bot_id } : {}),
      };
    });
    this.workspaceInfo.catch(() => (this.workspaceInfo = undefined));
    return this.workspaceInfo;
  }

  user(id: string): Promise<SlackUser> {
    return this.users.get(id, async () => {
      const { user } = await this.client.users.info({ user: id });
      if (!user) throw new Error(`Slack users.info returned no user for ${id}`);
      const profile = user.profile ?? {};
      return {
        id,
        ...(user.team_id ? { teamId: user.team_id } : {}),
        name: profile.real_name || profile.display_name || user.name || id,
        ...(profile.email ? { email: profile.email } : {}),
        deleted: user.deleted === true,
        isBot: user.is_bot === true,
        isStranger: user.is_stranger === true,
      };
    });
  }

  groupMembers(groupId: string): Promise<ReadonlySet<string>> {
    return this.groups.get(
      groupId,
      async () => new Set((await this.client.usergroups.users.list({ usergroup: groupId })).users ?? []),
    );
  }

  /** The Slack user an owner names: a user id as is, an email through users.lookupByEmail; undefined if nobody. */
  ownerUserId(owner: string): Promise<string | undefined> {
    if (SLACK_USER_ID.test(owner)) return Promise.resolve(owner);
    if (!owner.includes('@')) return Promise.resolve(undefined);
    return this.owners.get(owner.toLowerCase(), async () => {
      try {
        return (await this.client.users.lookupByEmail({ email: owner })).user?.id;
      } catch (e) {
        if ((e as { data?: { error?: string } }).data?.error === 'users_not_found') return undefined;
        throw e;
      }
    });
  }
}
