import { describe, expect, it } from 'vitest';
import { ownedClosure } from '../../../src/preview/delete-impact.js';

describe('ownedClosure', () => {
  it('follows ownerReferences transitively and ignores what the root does not own', () => {
    const objects = [
      { ref: 'pods/web-1-a', uid: 'p1', ownerUids: ['rs1'] },
      { ref: 'replicasets.apps/web-1', uid: 'rs1', ownerUids: ['deploy'] },
      { ref: 'pods/web-1-b', uid: 'p2', ownerUids: ['rs1'] },
      { ref: 'pods/other', uid: 'p3', ownerUids: ['rs-other'] },
      { ref: 'pods/loop', uid: 'deploy', ownerUids: ['p1'] },
    ];
    expect(
      ownedClosure('deploy', objects)
        .map((o) => o.ref)
        .sort(),
    ).toEqual(['pods/web-1-a', 'pods/web-1-b', 'replicasets.apps/web-1']);
  });
});
