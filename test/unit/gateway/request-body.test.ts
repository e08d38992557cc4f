import { describe, expect, it } from 'vitest';
import { MAX_BODY_DEPTH, parseRequestBody } from '../../../src/gateway/request-body.js';

const nestedJson = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const json = (text: string) => parseRequestBody(Buffer.from(text), 'application/json');
const yaml = (text: string) => parseRequestBody(Buffer.from(text), 'application/yaml');

describe('parseRequestBody: nesting', () => {
  it(`accepts ${MAX_BODY_DEPTH} levels and refuses one more, in JSON`, () => {
    expect(json(nestedJson(MAX_BODY_DEPTH)).kind).toBe('document');
    expect(json(nestedJson(MAX_BODY_DEPTH + 1))).toEqual({ kind: 'too-deep' });
    expect(json('['.repeat(2000) + ']'.repeat(2000))).toEqual({ kind: 'too-deep' });
    expect(json('['.repeat(1_000_000) + ']'.repeat(1_000_000))).toEqual({ kind: 'too-deep' });
  });

  it('refuses deep YAML before the (recursive) parser sees it: flow, block and sequence nesting', () => {
    expect(yaml('['.repeat(5000) + ']'.repeat(5000))).toEqual({ kind: 'too-deep' });
    expect(yaml('- '.repeat(5000) + 'x')).toEqual({ kind: 'too-deep' });
    const block = Array.from({ length: 5000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
    expect(yaml(`${block} x`)).toEqual({ kind: 'too-deep' });
  });

  it('refuses YAML whose aliases make it refer to itself', () => {
    expect(yaml('a: &x\n  b: *x\n').kind).not.toBe('document');
  });

  it('accepts ordinary manifests, long rules of dashes and bash tests in scripts', () => {
    const manifest = `apiVersion: v1
kind: ConfigMap
metadata: { name: scripts }
data:
  readme: |
    ${'-'.repeat(2000)}
  run.sh: |
    if [[ -f /x ]]; then echo '{{{'; fi
`;
    expect(yaml(manifest).kind).toBe('document');
  });
});
