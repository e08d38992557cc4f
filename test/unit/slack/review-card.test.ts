import { describe, expect, it } from 'vitest';
import { reviewCard } from '../../../src/slack/blocks/review-card.js';
import { ACTION_IDS, parseGrantOptionValue } from '../../../src/slack/ids.js';
import { VIEW_ACTION } from '../../../src/slack/sessions/ids.js';
import { decodeView } from '../../../src/slack/sessions/state.js';
import { blockKitViolations, blockText, outsideCode } from '../../support/slack/block-kit-limits.js';
import { HOSTILE_TEXT, scenarios, SESSION_ID, settings, storedReview } from '../../support/slack/reviews.js';

type AnyBlock = Record<string, unknown>;
const actionsOf = (blocks: readonly unknown[]) =>
  (blocks as AnyBlock[]).find((b) => b.type === 'actions') as { elements: AnyBlock[] } | undefined;

describe('review card', () => {
  describe.each(Object.entries(scenarios))('%s', (_name, review) => {
    it('respects every Block Kit limit', () => {
      const card = reviewCard(review);
      expect(blockKitViolations(card.blocks)).toEqual([]);
      expect(card.text.length).toBeLessThan(3000);
    });

    it('renders the stored review', () => {
      expect(reviewCard(review)).toMatchSnapshot();
    });
  });

  it('cuts a huge diff at a line boundary and says how much is left out', () => {
    const card = reviewCard(scenarios['huge diff']!);
    const diff = blockText(card.blocks).find((t) => t.startsWith('*Diff*'))!;
    expect(diff).toMatch(/ \d+"```$/);
    const more = blockText(card.blocks).find((t) => t.includes('more lines'))!;
    const shownLines = diff.split('\n').length - 1;
    expect(more).toContain(`…${4000 - shownLines} more lines`);
  });

  it('shows what, who, why, approvals and expiry at a glance', () => {
    const text = blockText(reviewCard(scenarios['RBAC wildcard']!).blocks).join('\n');
    for (const fact of [
      'create clusterroles.rbac.authorization.k8s.io/agent-admin',
      'ci-bot',
      'dave@example.com',
      SESSION_ID,
      'prod-eu',
      'f1e2d3c4b5a6',
      '0/2 approvals',
      '<!subteam^S0ONCALL>',
      'expires <!date^1795861800^',
    ]) {
      expect(text).toContain(fact);
    }
  });

  it("puts the rule's message first: why it was flagged", () => {
    const card = reviewCard(scenarios['delete with running replicas']!);
    const [header, first] = card.blocks as unknown as AnyBlock[];
    expect(header!.type).toBe('header');
    expect(blockText([first])).toEqual([
      '*Why it was flagged:* deletes in a production or system namespace, which cannot be undone (rule `review-production-deletes`)',
    ]);
    const silent = reviewCard(storedReview({ settings: settings({ message: undefined }) }));
    expect(blockText(silent.blocks).join('\n')).not.toContain('Why it was flagged');
  });

  it('names a created object by the name in its body: header, What and the notification text', () => {
    const card = reviewCard(scenarios['create named in the body']!);
    const operation = 'create clusterrolebindings.rbac.authorization.k8s.io/agent-admin';
    expect(blockText(card.blocks)[0]).toBe(`🔐 ${operation}`);
    expect(blockText(card.blocks)).toContain(`*What*\n\`${operation}\``);
    expect(card.text).toBe(`Approval needed: ${operation} on cluster prod-eu, requested by agent ci-bot`);
  });

  it('names a subresource after its object: deployments.apps/web/scale', () => {
    const scale = storedReview({
      classification: { ...storedReview().classification, subresource: 'scale' },
    });
    expect(blockText(reviewCard(scale).blocks)[0]).toBe('🔐 patch deployments.apps/web/scale');
  });

  it('sums up a delete (kind, replicas, images, owned objects) and leaves the whole object to View full diff', () => {
    const card = reviewCard(scenarios['delete with running replicas']!);
    const text = blockText(card.blocks).join('\n');
    expect(text).toContain('*Deletes* Deployment `web` · 3 replicas (3 ready)');
    expect(text).toContain('*Images:* `registry.example/web:1.4`, `envoyproxy/envoy:v1.30`');
    expect(text).toContain(
      '*Goes with it:* 4 owned objects: `replicasets.apps/web-7d9f`, `pods/web-7d9f-a`, `pods/web-7d9f-b`, `pods/web-7d9f-c`',
    );
    expect(text).toContain('🔴 Deletes Deployment web and its 3 running replicas.');
    expect(text).not.toContain('-kind: Deployment');
    expect(text).not.toContain('*Diff*');
    const buttons = actionsOf(card.blocks)!.elements.map((e) => e.action_id);
    expect(buttons).toContain(ACTION_IDS.viewDiff);
  });

  it('keeps identifiers in a context line and opens the session from a button', () => {
    const card = reviewCard(storedReview());
    const blocks = card.blocks as unknown as AnyBlock[];
    const fields = JSON.stringify(blocks.find((b) => Array.isArray(b.fields)));
    expect(fields).not.toContain('Fingerprint');
    expect(fields).not.toContain('Session');
    const footer = blockText([blocks.at(-1)])[0]!;
    expect(blocks.at(-1)!.type).toBe('context');
    expect(footer).toContain(`session \`${SESSION_ID}\``);
    expect(footer).toContain('fingerprint `f1e2d3c4b5a6`');
    const session = actionsOf(card.blocks)!.elements.find((e) => VIEW_ACTION.test(String(e.action_id)));
    expect(session).toMatchObject({ type: 'button', text: { text: 'View session' } });
    expect(decodeView(String(session!.value))).toEqual({ view: 'steps', sessionId: SESSION_ID, offset: 0 });
    // No recorded session to open: no button.
    const unnamed = reviewCard(storedReview({ sessionId: undefined }));
    expect(actionsOf(unnamed.blocks)!.elements.some((e) => VIEW_ACTION.test(String(e.action_id)))).toBe(
      false,
    );
  });

  it('mentions the owner when Slack knows them, and shows the stored owner otherwise', () => {
    const owner = (card: ReturnType<typeof reviewCard>) =>
      blockText(card.blocks).find((t) => t.startsWith('*Owner*'));
    expect(owner(reviewCard(storedReview(), { ownerSlackId: 'U0DAVE' }))).toBe(
      '*Owner*\n<@U0DAVE> `dave@example.com`',
    );
    expect(owner(reviewCard(storedReview()))).toBe('*Owner*\n`dave@example.com`');
    // Only a Slack user id becomes a mention.
    expect(owner(reviewCard(storedReview(), { ownerSlackId: '<!channel>' }))).toBe(
      '*Owner*\n`dave@example.com`',
    );
  });

  it('asks for confirmation on Approve only for high-risk rules', () => {
    const confirmOf = (confirm: boolean) =>
      actionsOf(reviewCard(storedReview({ settings: settings({ confirm }) })).blocks)!.elements.find(
        (e) => e.action_id === ACTION_IDS.approve,
      )!.confirm;
    expect(confirmOf(true)).toMatchObject({ confirm: { text: 'Approve' } });
    expect(confirmOf(false)).toBeUndefined();
  });

  it('offers grants up to the rule maximum, grouped by the scope each covers, and none when the rule allows none', () => {
    type Select = { option_groups: { label: { text: string }; options: { value: string }[] }[] };
    const select = (max: number) =>
      actionsOf(
        reviewCard(storedReview({ settings: settings({ maxGrantSeconds: max }) })).blocks,
      )!.elements.find((e) => e.action_id === ACTION_IDS.approveFor) as Select | undefined;
    const groups = select(1800)!.option_groups;
    expect(groups.map((g) => g.label.text)).toEqual([
      'patch deployments.apps "web" in prod',
      'patch any deployments.apps in prod',
    ]);
    expect(groups.map((g) => g.options.map((o) => parseGrantOptionValue(o.value)))).toEqual(
      (['name', 'any-name'] as const).map((scope) =>
        [300, 900, 1800].map((seconds) => ({ reviewId: 'rv-0123456789abcdef', seconds, scope })),
      ),
    );
    expect(select(0)).toBeUndefined();
  });

  it('states the grant scope next to the menu, and offers one scope for an object without a name yet', () => {
    const text = blockText(reviewCard(storedReview()).blocks).join('\n');
    expect(text).toContain(
      '*Approve for…* also lets agent `ci-bot` `patch deployments.apps "web" in prod` or, if you pick it, `patch any deployments.apps in prod` on `prod-eu` without a card until it ends, only where rule `scale-to-zero` applies.',
    );
    const create = reviewCard(
      storedReview({ classification: { ...storedReview().classification, verb: 'create', name: '' } }),
    );
    const menu = actionsOf(create.blocks)!.elements.find((e) => e.action_id === ACTION_IDS.approveFor) as {
      option_groups: { label: { text: string } }[];
    };
    expect(menu.option_groups.map((g) => g.label.text)).toEqual(['create any deployments.apps in prod']);
    expect(parseGrantOptionValue('rv-1/900')).toEqual({ reviewId: 'rv-1', seconds: 900, scope: 'name' });
  });

  it('says whether the agent still waits while pending, and nothing about it once decided', () => {
    const since = new Date('2026-11-28T10:04:00Z');
    const status = (card: ReturnType<typeof reviewCard>) =>
      blockText(card.blocks).find((t) => t.includes('approval'))!;
    const waiting = reviewCard(storedReview(), { agent: { waiting: true, since } });
    const gone = reviewCard(storedReview(), { agent: { waiting: false, since } });
    const date = `<!date^${since.getTime() / 1000}^`;
    expect(status(waiting)).toContain(` · ⏳ agent waiting since ${date}`);
    expect(status(gone)).toContain(` · agent gone since ${date}`);
    expect(status(gone)).toMatch(/— will run when it re-runs the command$/);
    expect(status(reviewCard(storedReview()))).not.toContain('agent');
    const decided = reviewCard(storedReview({ state: 'denied', decidedAt: since }), {
      agent: { waiting: true, since },
    });
    expect(status(decided)).not.toContain('agent waiting');
    for (const card of [waiting, gone]) expect(blockKitViolations(card.blocks)).toEqual([]);
    expect([status(waiting), status(gone)]).toMatchSnapshot();
  });

  it('says an approval the agent never ran expired unused, and an unknown outcome is unknown', () => {
    const approval = {
      approver: { id: 'U0ALICE', name: 'Alice', via: 'slack' as const, verified: true },
      decision: 'approve' as const,
      breakGlass: false,
      at: new Date('2026-11-28T10:05:00Z'),
    };
    const unused = reviewCard(
      storedReview({
        state: 'expired',
        decisions: [approval],
        decidedAt: new Date('2026-11-28T10:05:00Z'),
        expiresAt: new Date('2026-11-28T10:10:00Z'),
      }),
    );
    expect(unused.text).toMatch(/^Approved, but the agent did not re-run within 5 min: expired unused/);
    expect(blockText(unused.blocks).join('\n')).not.toContain('without a decision');
    const unknown = reviewCard(
      storedReview({
        state: 'failed',
        decisions: [approval],
        decidedAt: new Date('2026-11-28T10:05:00Z'),
        outcome: { status: 0, unknown: true, message: 'the execution lease expired' },
      }),
    );
    expect(unknown.text).toMatch(/^Approved and sent, but the outcome is unknown/);
  });

  it('drops the buttons and shows the result once final', () => {
    const executed = storedReview({
      state: 'executed',
      version: 5,
      decisions: [
        {
          approver: { id: 'U0ALICE', name: 'Alice', via: 'slack', verified: true },
          decision: 'approve',
          breakGlass: false,
          at: new Date('2026-11-28T10:05:00Z'),
        },
      ],
      decidedAt: new Date('2026-11-28T10:05:00Z'),
      outcome: { status: 200, resourceVersion: '4712' },
    });
    const card = reviewCard(executed);
    expect(actionsOf(card.blocks)).toBeUndefined();
    const text = blockText(card.blocks).join('\n');
    expect(text).toContain('*Result*: HTTP 200 · resourceVersion `4712`');
    expect(text).toContain('*Alice* ✅ approved');
    expect(card.text).toMatch(/^Approved and applied/);
    expect((card.blocks as unknown as AnyBlock[]).every((b) => String(b.block_id).endsWith('.v5'))).toBe(
      true,
    );
  });

  it('renders agent text inert: no mention, no link, no formatting', () => {
    const hostile = storedReview({
      reason: HOSTILE_TEXT,
      agent: { name: `agent ${HOSTILE_TEXT}`, subject: 's', issuer: 'i', groups: [] },
      owner: HOSTILE_TEXT,
      preview: {
        ...(scenarios['scale to 0']!.preview as object),
        summary: HOSTILE_TEXT,
        diff: HOSTILE_TEXT,
        risks: [{ id: 'x', severity: 'high', text: HOSTILE_TEXT }],
      },
      decisions: [
        {
          approver: { id: 'U1', name: HOSTILE_TEXT, via: 'slack', verified: true },
          decision: 'deny',
          reason: HOSTILE_TEXT,
          breakGlass: false,
          at: new Date('2026-11-28T10:01:00Z'),
        },
      ],
      state: 'denied',
    });
    const card = reviewCard(hostile);
    for (const text of [...blockText(card.blocks), card.text]) {
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('<https://');
      const interpreted = outsideCode(text);
      // Only Airlock's own markup may use angle brackets: dates and the on-call mention.
      expect(interpreted.replace(/<!(date|subteam)\^[^>]*>/g, '')).not.toMatch(/<[^&]/);
    }
    // Where agent text is not inside code (the risk list, the plain header), it carries no formatting markers.
    const risk = blockText(card.blocks).find((t) => t.startsWith('*Risk*'))!;
    expect(risk).toContain('&lt;!channel&gt;');
  });
});
