import { describe, expect, it } from 'vitest';
import type { MutationPreview } from '../../../src/preview/model.js';
import { asMutationPreview } from '../../../src/preview/model.js';
import { renderPreview } from '../../../src/preview/render-terminal.js';

const preview: MutationPreview = {
  source: 'dry-run',
  summary: 'patch deployments.apps "web" in prod: spec.replicas: 3 → 0',
  diff: '--- live/deployments.apps/web\n+++ result/deployments.apps/web\n@@ -1,1 +1,1 @@\n-  replicas: 3\n+  replicas: 0',
  omittedLines: 12,
  changes: [{ path: 'spec.replicas', kind: 'changed', before: '3', after: '0' }],
  risks: [
    { id: 'scale-to-zero', severity: 'high', text: 'Scales Deployment web to zero replicas (from 3).' },
  ],
};

describe('renderPreview', () => {
  it('prints summary, risks, changes, the diff and what was left out, uncoloured off a TTY', () => {
    const text = renderPreview(preview, { color: false });
    expect(text).not.toContain('\u001b[');
    expect(text.split('\n')).toEqual([
      'patch deployments.apps "web" in prod: spec.replicas: 3 → 0',
      "Preview: the cluster's dry run",
      '',
      'Risks:',
      '  [high] Scales Deployment web to zero replicas (from 3).',
      '',
      'Changes:',
      '  spec.replicas: 3 → 0',
      '',
      '--- live/deployments.apps/web',
      '+++ result/deployments.apps/web',
      '@@ -1,1 +1,1 @@',
      '-  replicas: 3',
      '+  replicas: 0',
      '… 12 more lines (the full diff is stored with the review)',
    ]);
  });

  it('colours removed lines red and added lines green on a TTY', () => {
    const text = renderPreview(preview, { color: true });
    expect(text).toContain('\u001b[31m-  replicas: 3\u001b[0m');
    expect(text).toContain('\u001b[32m+  replicas: 0\u001b[0m');
  });

  it('labels an unavailable preview with its reason', () => {
    const text = renderPreview(
      {
        ...preview,
        source: 'unavailable',
        unavailableReason: 'the dry run timed out',
        risks: [],
        changes: [],
      },
      { color: false },
    );
    expect(text).toContain('Preview: preview unavailable: the dry run timed out');
  });
});

describe('renderPreview safety', () => {
  it('neutralises escape sequences an agent put into names or values', () => {
    const hostile = { ...preview, diff: '+  name: "\u001b[2Jgotcha"' };
    const text = renderPreview(hostile, { color: true });
    expect(text).not.toContain('\u001b[2J');
    expect(text).toContain('\\u001b[2Jgotcha');
  });
});

describe('asMutationPreview', () => {
  it('accepts a stored preview and rejects other shapes', () => {
    expect(asMutationPreview(JSON.parse(JSON.stringify(preview)))).toEqual(preview);
    expect(asMutationPreview({ summary: 'x' })).toBeUndefined();
    expect(asMutationPreview('diff')).toBeUndefined();
  });
});
