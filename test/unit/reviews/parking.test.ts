import { describe, expect, it } from 'vitest';
import { ParkingLot } from '../../../src/reviews/parking.js';

describe('ParkingLot', () => {
  it('wakes every waiter of a review, and only those', async () => {
    const lot = new ParkingLot();
    const signal = new AbortController().signal;
    const a = lot.wait('rv-1', 1, 5_000, signal);
    const b = lot.wait('rv-1', 1, 5_000, signal);
    const other = lot.wait('rv-2', 1, 50, signal);
    lot.wake('rv-1');
    expect(await Promise.all([a, b, other])).toEqual(['changed', 'changed', 'timeout']);
    expect(lot.parkedReviewIds()).toEqual([]);
  });

  it('wakes on a newer polled version only', async () => {
    const lot = new ParkingLot();
    const signal = new AbortController().signal;
    const stale = lot.wait('rv-1', 3, 50, signal);
    const moved = lot.wait('rv-2', 3, 5_000, signal);
    lot.wakeChanged(
      new Map([
        ['rv-1', 3],
        ['rv-2', 4],
      ]),
    );
    expect(await Promise.all([stale, moved])).toEqual(['timeout', 'changed']);
  });

  it('returns aborted when the agent disconnects, before or while waiting', async () => {
    const lot = new ParkingLot();
    const controller = new AbortController();
    const waiting = lot.wait('rv-1', 1, 5_000, controller.signal);
    expect(lot.parkedReviewIds()).toEqual(['rv-1']);
    controller.abort();
    expect(await waiting).toBe('aborted');
    expect(await lot.wait('rv-1', 1, 5_000, controller.signal)).toBe('aborted');
    expect(lot.parkedReviewIds()).toEqual([]);
  });
});
