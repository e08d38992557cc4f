/** The preview as `airlock reviews show` prints it: plain text, with ANSI colours when writing to a TTY. */
import { describeChange } from './field-changes.js';
import type { MutationPreview, RiskFact } from './model.js';

export interface TerminalStyle {
  color: boolean;
}

const ANSI = { red: '31', green: '32', yellow: '33', cyan: '36', bold: '1', dim: '2' } as const;
type Tone = keyof typeof ANSI;

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

export function renderPreview(preview: MutationPreview, style: TerminalStyle): string {
  const paint = (tone: Tone | undefined, text: string) =>
    style.color && tone ? `\u001b[${ANSI[tone]}m${text}\u001b[0m` : text;
  const reason = preview.unavailableReason ? `: ${preview.unavailableReason}` : '';
  const lines = [paint('bold', preview.summary), `Preview: ${SOURCE_LABEL[preview.source]}${reason}`];
  if (preview.risks.length > 0) {
    lines.push('', 'Risks:');
    for (const risk of preview.risks)
      lines.push(`  ${paint(SEVERITY_TONE[risk.severity], `[${risk.severity}]`)} ${risk.text}`);
  }
  if (preview.changes.length > 0) {
    lines.push('', 'Changes:');
    for (const change of preview.changes) lines.push(`  ${describeChange(change)}`);
  }
  if (preview.dependents && preview.dependents.total > 0) {
    lines.push(
      '',
      `Goes with it: ${preview.dependents.total} objects (${preview.dependents.sample.join(', ')})`,
    );
  }
  lines.push('', ...preview.diff.split('\n').map((line) => paint(diffTone(line), line)));
  if (preview.omittedLines > 0) {
    lines.push(
      paint('dim', `… ${preview.omittedLines} more lines (the full diff is stored with the review)`),
    );
  }
  return lines.join('\n');
}
