/**
 * Slack's Block Kit limits as a checker (docs.slack.dev/reference/block-kit): what Slack would reject with
 * `invalid_blocks` or `msg_blocks_too_long`. Returns the violations, so a failing test says which limit broke.
 */

interface TextObject {
  text?: unknown;
}

type Block = Record<string, unknown>;

const textOf = (t: unknown): string =>
  typeof (t as TextObject | undefined)?.text === 'string' ? ((t as TextObject).text as string) : '';

/** Every human-visible string in the blocks (the ~12k cumulative cap counts these). */
export function blockText(blocks: readonly unknown[]): string[] {
  const out: string[] = [];
  const walk = (value: unknown, key?: string): void => {
    if (Array.isArray(value)) value.forEach((v) => walk(v));
    else if (typeof value === 'object' && value !== null)
      Object.entries(value).forEach(([k, v]) => walk(v, k));
    else if (typeof value === 'string' && key === 'text') out.push(value);
  };
  walk(blocks);
  return out;
}

export function blockKitViolations(
  blocks: readonly unknown[],
  surface: 'message' | 'modal' = 'message',
  maxTotalText = 10_000,
): string[] {
  const problems: string[] = [];
  const maxBlocks = surface === 'message' ? 50 : 100;
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks > ${maxBlocks}`);
  const ids = new Set<string>();
  (blocks as Block[]).forEach((b, i) => {
    const where = `block ${i} (${String(b.type)})`;
    if (typeof b.block_id === 'string') {
      if (b.block_id.length > 255) problems.push(`${where}: block_id > 255`);
      if (ids.has(b.block_id)) problems.push(`${where}: duplicate block_id ${b.block_id}`);
      ids.add(b.block_id);
    }
    if (b.type === 'header' && textOf(b.text).length > 150) problems.push(`${where}: header > 150`);
    if (b.type === 'section') {
      const text = textOf(b.text);
      if (b.text !== undefined && (text.length < 1 || text.length > 3000))
        problems.push(`${where}: text length ${text.length}`);
      const fields = Array.isArray(b.fields) ? b.fields : [];
      if (fields.length > 10) problems.push(`${where}: ${fields.length} fields > 10`);
      fields.forEach((f) => textOf(f).length > 2000 && problems.push(`${where}: field > 2000`));
    }
    if (b.type === 'context' && Array.isArray(b.elements) && b.elements.length > 10)
      problems.push(`${where}: > 10 elements`);
    if (b.type === 'actions' && Array.isArray(b.elements)) {
      if (b.elements.length > 25) problems.push(`${where}: > 25 elements`);
      (b.elements as Block[]).forEach((e) => {
        if (textOf(e.text).length > 75) problems.push(`${where}: button text > 75`);
        if (typeof e.value === 'string' && e.value.length > 2000) problems.push(`${where}: value > 2000`);
        problems.push(...selectViolations(e).map((p) => `${where}: ${p}`));
        const confirm = e.confirm as Record<string, unknown> | undefined;
        if (confirm && (textOf(confirm.title).length > 100 || textOf(confirm.text).length > 300))
          problems.push(`${where}: confirm too long`);
      });
    }
  });
  const total = blockText(blocks).reduce((n, t) => n + t.length, 0);
  if (total > maxTotalText) problems.push(`total text ${total} > ${maxTotalText}`);
  return problems;
}

/** A select menu's options (plain or in labelled groups): at most 100, text ≤ 75, value ≤ 150, label ≤ 75. */
function selectViolations(element: Block): string[] {
  const problems: string[] = [];
  const groups = Array.isArray(element.option_groups) ? (element.option_groups as Block[]) : [];
  if (groups.length > 100) problems.push(`${groups.length} option groups > 100`);
  groups.forEach((g) => textOf(g.label).length > 75 && problems.push('option group label > 75'));
  const options = [
    ...(Array.isArray(element.options) ? (element.options as Block[]) : []),
    ...groups.flatMap((g) => (Array.isArray(g.options) ? (g.options as Block[]) : [])),
  ];
  if (groups.some((g) => Array.isArray(g.options) && g.options.length > 100))
    problems.push('> 100 options in a group');
  if (Array.isArray(element.options) && element.options.length > 100) problems.push('> 100 options');
  options.forEach((o) => {
    if (textOf(o.text).length > 75) problems.push('option text > 75');
    if (typeof o.value === 'string' && o.value.length > 150) problems.push('option value > 150');
  });
  return problems;
}

/** The text with code blocks and code spans removed: what Slack would interpret as mrkdwn. */
export function outsideCode(mrkdwn: string): string {
  return mrkdwn.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
}
