import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../../src/lib/lifecycle.js';

describe('Lifecycle', () => {
  it('stops in reverse order and runs every step even when one fails', async () => {
    const stopped: string[] = [];
    const life = new Lifecycle();
    life.onStop('database', () => stopped.push('database'));
    life.onStop('recorder', () => {
      stopped.push('recorder');
      throw new Error('disk full');
    });
    life.onStop('listeners', async () => {
      stopped.push('listeners');
    });
    await expect(life.close()).rejects.toThrow('stopping failed: recorder: disk full');
    expect(stopped).toEqual(['listeners', 'recorder', 'database']);
    await life.close(); // nothing left to stop
  });
});
