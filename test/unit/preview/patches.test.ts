import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, PatchApplicationError } from '../../../src/preview/patches.js';

describe('applyJsonPatch (RFC 6902)', () => {
  const live = {
    metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'web' } },
    spec: { args: ['a', 'b'], replicas: 3 },
  };

  it('applies add, remove, replace, move, copy and test in order, without touching the input', () => {
    const result = applyJsonPatch(live, [
      { op: 'test', path: '/spec/replicas', value: 3 },
      { op: 'replace', path: '/spec/replicas', value: 0 },
      { op: 'add', path: '/spec/args/-', value: 'c' },
      { op: 'add', path: '/spec/args/0', value: 'first' },
      { op: 'remove', path: '/metadata/labels/app.kubernetes.io~1name' },
      { op: 'copy', from: '/metadata/name', path: '/metadata/labels/copied' },
      { op: 'move', from: '/spec/args/1', path: '/spec/moved' },
    ]);
    expect(result).toEqual({
      metadata: { name: 'web', labels: { copied: 'web' } },
      spec: { args: ['first', 'b', 'c'], replicas: 0, moved: 'a' },
    });
    expect(live.spec.replicas).toBe(3);
    expect(live.spec.args).toEqual(['a', 'b']);
  });

  it('refuses a failing test, a missing path and an out-of-range index', () => {
    expect(() => applyJsonPatch(live, [{ op: 'test', path: '/spec/replicas', value: 2 }])).toThrow(
      PatchApplicationError,
    );
    expect(() => applyJsonPatch(live, [{ op: 'remove', path: '/spec/nothing' }])).toThrow(/does not exist/);
    expect(() => applyJsonPatch(live, [{ op: 'replace', path: '/spec/args/5', value: 'x' }])).toThrow(
      /out of bounds/,
    );
    expect(() => applyJsonPatch(live, { op: 'add' })).toThrow(/array of operations/);
  });
});

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects, removes keys set to null and replaces lists whole', () => {
    const live = { spec: { replicas: 3, paused: true, args: ['a', 'b'] }, metadata: { name: 'web' } };
    expect(applyMergePatch(live, { spec: { replicas: 0, paused: null, args: ['c'] } })).toEqual({
      spec: { replicas: 0, args: ['c'] },
      metadata: { name: 'web' },
    });
    expect(live.spec.paused).toBe(true);
  });
});
