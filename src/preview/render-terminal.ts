/**
 * The preview as `airlock reviews show` prints it: plain text, with ANSI colours when writing to a TTY.
 * Every stored string is made inert first: object names and values come from agents and could carry escapes.
 */
import { printable } from '../reviews/render-text.js';
import { describeChange } from './field-changes.js';
import type { MutationPreview, RiskFact } from './model.js';

export interface TerminalStyle {
  color: boolean;
}

const ANSI = { red: '31', green: '32', yellow: '33', cyan: '36', bold: '1', dim: '2' } as const;
type Tone = keyof typeof ANSI;

interface Line {
  text: string;
  tone?: Tone;
  /** A coloured tag before the text (risk severity). */
  tag?: { text: string; tone: Tone };
}

const SEVERITY_TONE: Record<RiskFact['severity'], Tone> = { high: 'red', medium: 'yellow', info: 'dim' };

const SOURCE_LABEL: Record<MutationPreview['source'], string> = {
  'dry-run': "the cluster's dry run",
  client: 'computed by Airlock from the patch',
  delete: 'deletion',
  unavailable: 'preview unavailable',
};

function diffTone(line: string): Tone | undefined {
  if (line.startsWith('+++') || line.startsWith('---')) return 'bold';
  if (line.startsWith('+')) return 'green';
  if (line.startsWith('-')) return 'red';
  if (line.startsWith('@@')) return 'cyan';
  if (line.startsWith('#')) return 'dim';
  return undefined;
}

function previewLines(preview: MutationPreview): Line[] {
  const reason = preview.unavailableReason ? `: ${preview.unavailableReason}` : '';
  const lines: Line[] = [
    { text: preview.summary, tone: 'bold' },
    { text: `Preview: ${SOURCE_LABEL[preview.source]}${reason}` },
  ];
  if (preview.risks.length > 0) {
    lines.push({ text: '' }, { text: 'Risks:' });
    for (const risk of preview.risks) {
      lines.push({
        tag: { text: `  [${risk.severity}]`, tone: SEVERITY_TONE[risk.severity] },
        text: ` ${risk.text}`,
      });
    }
  }
  if (preview.changes.length > 0) {
    lines.push(
      { text: '' },
      { text: 'Changes:' },
      ...preview.changes.map((c) => ({ text: `  ${describeChange(c)}` })),
    );
  }
  if (preview.dependents && preview.dependents.total > 0) {
    const { total, sample } = preview.dependents;
    lines.push({ text: '' }, { text: `Goes with it: ${total} objects (${sample.join(', ')})` });
  }
  lines.push({ text: '' });
  for (const line of preview.diff.split('\n')) {
    const tone = diffTone(line);
    lines.push(tone ? { text: line, tone } : { text: line });
  }
  if (preview.omittedLines > 0) {
    lines.push({
      text: `… ${preview.omittedLines} more lines (the full diff is stored with the review)`,
      tone: 'dim',
    });
  }
  return lines;
}

export function renderPreview(preview: MutationPreview, style: TerminalStyle): string {
  const paint = (tone: Tone | undefined, text: string) =>
    style.color && tone ? `\u001b[${ANSI[tone]}m${printable(text)}\u001b[0m` : printable(text);
  return previewLines(preview)
    .map((line) => (line.tag ? paint(line.tag.tone, line.tag.text) : '') + paint(line.tone, line.text))
    .join('\n');
}
