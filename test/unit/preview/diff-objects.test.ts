import { describe, expect, it } from 'vitest';
import { createMasker, defaultMaskingConfig, MASKED_TEXT } from '../../../src/masking/index.js';
import { diffObjects } from '../../../src/preview/diff-objects.js';
import { capLines } from '../../../src/preview/diff-text.js';

const masker = createMasker(defaultMaskingConfig());
const b64 = (s: string) => Buffer.from(s).toString('base64');
const CANARY = 'canary-9f8e7d6c5b4a';

const secret = (data: Record<string, string>, rv: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'db',
    namespace: 'prod',
    resourceVersion: rv,
    uid: 'u-1',
    managedFields: [{ manager: 'kubectl' }],
  },
  type: 'Opaque',
  data,
});

describe('diffObjects', () => {
  it('hides a masked value the cluster copied into a field masking does not cover', () => {
    const live = secret({ password: b64(CANARY) }, '10');
    const result = secret({ password: b64(CANARY) }, '11');
    Object.assign(result.metadata, { annotations: { x: b64(CANARY), y: `prefix ${b64(CANARY)}` } });
    const { unifiedDiff, changes, shown } = diffObjects(live, result, {
      masker,
      keepStatus: false,
      label: 'secrets/db',
    });

    expect(JSON.stringify([unifiedDiff, changes, shown])).not.toContain(b64(CANARY));
    expect(unifiedDiff).toContain(`+    x: "${MASKED_TEXT}"`);
    expect(unifiedDiff).toContain(`+    y: prefix ${MASKED_TEXT}`);
  });

  it('says which Secret keys were added, removed or changed, without any value', () => {
    const live = secret({ password: b64('old-password'), user: b64('admin'), gone: b64('x-gone') }, '10');
    const result = secret({ password: b64(CANARY), user: b64('admin'), token: b64(`${CANARY}-token`) }, '11');
    const { unifiedDiff, changes } = diffObjects(live, result, {
      masker,
      keepStatus: false,
      label: 'secrets/db',
    });

    expect(changes).toEqual([
      { path: 'data.password', kind: 'changed' },
      { path: 'data.gone', kind: 'removed' },
      { path: 'data.token', kind: 'added' },
    ]);
    expect(unifiedDiff).toContain(`-  password: "${MASKED_TEXT} (before)"`);
    expect(unifiedDiff).toContain(`+  password: "${MASKED_TEXT} (after)"`);
    expect(unifiedDiff).toContain(`   user: "${MASKED_TEXT}"`); // unchanged: context, same on both sides
    const everything = JSON.stringify({ unifiedDiff, changes });
    for (const value of [CANARY, b64(CANARY), 'old-password', b64('old-password'), b64('admin')]) {
      expect(everything).not.toContain(value);
    }
  });

  it('masks a field on both sides when either side masks it (an env var renamed to a credential name)', () => {
    const pod = (name: string) => ({
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'app', image: 'a', env: [{ name, value: 'hunter2-value' }] }] },
    });
    const { unifiedDiff } = diffObjects(pod('GREETING'), pod('API_TOKEN'), {
      masker,
      keepStatus: false,
      label: 'pods/p',
    });
    expect(unifiedDiff).not.toContain('hunter2-value');
    expect(unifiedDiff).toContain('+        - name: API_TOKEN');
    expect(unifiedDiff).toContain(`           value: "${MASKED_TEXT}"`);
  });

  it('strips server-maintained noise and status, but keeps status for /status writes', () => {
    const live = {
      kind: 'Deployment',
      metadata: { name: 'web', generation: 1, resourceVersion: '1', creationTimestamp: 't' },
      spec: { replicas: 1 },
      status: { replicas: 1 },
    };
    const result = {
      ...live,
      metadata: { ...live.metadata, generation: 2, resourceVersion: '2' },
      status: { replicas: 2 },
    };
    const options = { masker, label: 'deployments.apps/web' };
    expect(diffObjects(live, result, { ...options, keepStatus: false }).unifiedDiff).toBe('');
    expect(diffObjects(live, result, { ...options, keepStatus: true }).changes).toEqual([
      { path: 'status.replicas', kind: 'changed', before: '1', after: '2' },
    ]);
  });

  it('renders a labelled unified YAML diff', () => {
    const { unifiedDiff } = diffObjects(
      { kind: 'ConfigMap', data: { a: '1' } },
      { kind: 'ConfigMap', data: { a: '2' } },
      {
        masker,
        keepStatus: false,
        label: 'configmaps/c',
      },
    );
    expect(unifiedDiff).toBe(
      [
        '--- live/configmaps/c',
        '+++ result/configmaps/c',
        '@@ -1,3 +1,3 @@',
        ' kind: ConfigMap',
        ' data:',
        '-  a: "1"',
        '+  a: "2"',
        '',
      ].join('\n'),
    );
  });
});

describe('capLines', () => {
  const text = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n');

  it('keeps whole lines within the line cap and the rest in full', () => {
    expect(capLines(text, { maxLines: 4, maxBytes: 1000 })).toEqual({
      text: 'line 0\nline 1\nline 2\nline 3',
      omittedLines: 6,
      full: text,
    });
  });

  it('applies the byte cap and leaves short text alone', () => {
    expect(capLines(text, { maxLines: 100, maxBytes: 14 }).omittedLines).toBe(8);
    expect(capLines(text, { maxLines: 100, maxBytes: 1000 })).toEqual({ text, omittedLines: 0 });
  });
});
