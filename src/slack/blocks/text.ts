/**
 * Turning untrusted text into Slack mrkdwn that renders exactly as written: no mentions (`<!channel>`), no links
 * (`<https://evil|click>`), no formatting (`*bold*`). Slack has no backslash escapes, so free text goes into code
 * spans or code blocks, where mrkdwn formatting does not apply, after the three control characters are escaped.
 */

/** Slack's own escaping: what turns `<!channel>` or `<https://x|y>` into literal text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** One-line untrusted value as inline code (backticks cannot end the span: they become a look-alike). */
export function inlineCode(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '_(empty)_';
  return `\`${escapeMrkdwn(truncate(oneLine.replace(/`/g, 'ˋ'), max))}\``;
}

/** Multi-line untrusted text as a code block; a ``` inside cannot close the block early. */
export function codeBlock(text: string): string {
  return `\`\`\`${escapeMrkdwn(text.replace(/```/g, 'ˋˋˋ'))}\`\`\``;
}

/**
 * The longest prefix of `text` made of whole lines whose code block fits in `maxChars`.
 * Returns the block and how many lines were left out.
 */
export function codeBlockWithin(text: string, maxChars: number): { block: string; omittedLines: number } {
  const lines = text.split('\n');
  let kept = lines.length;
  let block = codeBlock(text);
  while (block.length > maxChars && kept > 1) {
    // Shrink proportionally first (huge diffs), then line by line near the limit.
    kept = Math.min(kept - 1, Math.max(1, Math.floor((kept * maxChars) / block.length)));
    block = codeBlock(lines.slice(0, kept).join('\n'));
  }
  if (block.length > maxChars) block = codeBlock(truncate(lines[0] ?? '', maxChars - 20));
  return { block, omittedLines: lines.length - kept };
}

/** A date Slack renders in each reader's time zone, falling back to the ISO string. */
export function slackDate(date: Date): string {
  const epoch = Math.floor(date.getTime() / 1000);
  return `<!date^${epoch}^{date_short_pretty} {time}|${date.toISOString()}>`;
}

/** `3 h 20 min`, `15 min`, `45 s`: grant lengths for buttons and messages. */
export function humanDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
