import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../../../src/recording/draft.js';
import {
  RecorderClosedError,
  RefusedEventError,
  RecordingQueueFullError,
  UnrecordedEventsError,
  createBatchingRecorder,
  type AppendBatch,
} from '../../../src/recording/recorder.js';
import { agent, decision, recordInput } from './fixtures.js';

/** An append seam that stores batches and can be switched to fail, like a database going away. */
function fakeStore() {
  const batches: string[][] = [];
  let failing = false;
  const append: AppendBatch = async (batch: readonly EventDraft[]) => {
    await Promise.resolve();
    if (failing) throw new Error('connection refused');
    batches.push(batch.map((d) => d.content.request_id));
  };
  return {
    append,
    batches,
    stored: () => batches.flat(),
    fail: (value: boolean) => {
      failing = value;
    },
  };
}

const until = async (condition: () => boolean, timeoutMs = 2000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('createBatchingRecorder', () => {
  it('gathers records that arrive within a batch window into one append', async () => {
    const store = fakeStore();
    const recorder = createBatchingRecorder(store.append, { batchMs: 20 });
    for (let i = 0; i < 50; i++) recorder.record(recordInput({ requestId: `r${i}` }));
    expect(store.batches).toHaveLength(0); // nothing written on the request path
    await until(() => store.stored().length === 50);
    expect(store.batches).toHaveLength(1);
    expect(store.stored()).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    await recorder.close();
  });

  it('splits large bursts into batches of at most maxBatchEvents, in order', async () => {
    const store = fakeStore();
    const recorder = createBatchingRecorder(store.append, { batchMs: 10_000, maxBatchEvents: 40 });
    for (let i = 0; i < 100; i++) recorder.record(recordInput({ requestId: `r${i}` }));
    await recorder.flush();
    expect(store.batches.map((b) => b.length)).toEqual([40, 40, 20]);
    expect(store.stored()[99]).toBe('r99');
    await recorder.close();
  });

  it('writes everything still queued on close, however long the batch window', async () => {
    const store = fakeStore();
    const recorder = createBatchingRecorder(store.append, { batchMs: 60_000 });
    for (let i = 0; i < 10; i++) recorder.record(recordInput({ requestId: `r${i}` }));
    await recorder.close();
    expect(store.stored()).toHaveLength(10);
  });

  it('reports unavailable while the store fails, keeps the events, and recovers in order', async () => {
    const store = fakeStore();
    const errors: Error[] = [];
    const recorder = createBatchingRecorder(store.append, {
      batchMs: 5,
      maxRetryMs: 20,
      onError: (e) => errors.push(e),
    });
    store.fail(true);
    recorder.record(recordInput({ requestId: 'a' }));
    await until(() => !recorder.available());
    recorder.record(recordInput({ requestId: 'b' }));
    expect(errors[0]?.message).toBe('connection refused');
    await expect(recorder.flush()).rejects.toThrow('connection refused');

    store.fail(false);
    await until(() => recorder.available());
    await until(() => store.stored().length === 2);
    expect(store.stored()).toEqual(['a', 'b']);
    await recorder.close();
  });

  it('says how many events are lost when the store is still down at shutdown', async () => {
    const store = fakeStore();
    const recorder = createBatchingRecorder(store.append, { batchMs: 60_000 });
    store.fail(true);
    for (let i = 0; i < 3; i++) recorder.record(recordInput({ requestId: `r${i}` }));
    const closing = recorder.close();
    await expect(closing).rejects.toBeInstanceOf(UnrecordedEventsError);
    await expect(closing).rejects.toThrow(
      '3 recorded events could not be stored before shutdown: connection refused',
    );
  });

  it('isolates an event the database refuses, stores its stand-in and keeps recording', async () => {
    // Like Postgres refusing a NUL byte in a text column: any batch holding that row fails as a whole.
    const batches: string[][] = [];
    const standIns: string[] = [];
    const append: AppendBatch = async (batch) => {
      await Promise.resolve();
      if (batch.some((d) => d.agent.name.includes('\u0000'))) throw new Error('invalid byte sequence 0x00');
      batches.push(batch.map((d) => d.content.request_id));
      for (const d of batch)
        if (d.content.summary?.includes('unrecorded')) standIns.push(d.content.request_id);
    };
    const errors: Error[] = [];
    const recorder = createBatchingRecorder(append, {
      batchMs: 5,
      maxRetryMs: 20,
      onError: (e) => errors.push(e),
    });
    recorder.record(recordInput({ requestId: 'a' }));
    recorder.record(recordInput({ requestId: 'poison', agent: agent({ name: 'bot\u0000' }) }));
    recorder.record(recordInput({ requestId: 'b' }));

    await until(() => batches.flat().length === 3);
    expect(batches.flat()).toEqual(['a', 'poison', 'b']);
    expect(standIns).toEqual(['poison']);
    expect(recorder.available()).toBe(true);
    expect(errors.at(-1)).toBeInstanceOf(RefusedEventError);
    expect(errors.at(-1)?.message).toMatch(
      /refused the record of request poison \(invalid byte sequence 0x00\)/,
    );

    // Back to batches once the poison is gone.
    recorder.record(recordInput({ requestId: 'c' }));
    recorder.record(recordInput({ requestId: 'd' }));
    await recorder.flush();
    expect(batches.at(-1)).toEqual(['c', 'd']);
    await recorder.close();
  });

  it('keeps an event that fails alone while its stand-in fails too: the store is down, not the row', async () => {
    const store = fakeStore();
    const errors: Error[] = [];
    const recorder = createBatchingRecorder(store.append, {
      batchMs: 5,
      maxRetryMs: 10,
      onError: (e) => errors.push(e),
    });
    store.fail(true);
    recorder.record(recordInput({ requestId: 'a' }));
    await until(() => errors.length >= 3);
    store.fail(false);
    await until(() => store.stored().length === 1);
    expect(store.stored()).toEqual(['a']);
    expect(errors.some((e) => e instanceof RefusedEventError)).toBe(false);
    await recorder.close();
  });

  it('drops and reports events beyond the queue limit while the store is down', async () => {
    const store = fakeStore();
    const errors: Error[] = [];
    const recorder = createBatchingRecorder(store.append, {
      batchMs: 5,
      maxQueuedEvents: 3,
      maxRetryMs: 20,
      onError: (e) => errors.push(e),
    });
    store.fail(true);
    for (let i = 0; i < 5; i++) recorder.record(recordInput({ requestId: `r${i}` }));
    expect(recorder.available()).toBe(false);
    expect(errors.filter((e) => e instanceof RecordingQueueFullError)).toHaveLength(1);
    store.fail(false);
    await until(() => store.stored().length === 3);
    expect(store.stored()).toEqual(['r0', 'r1', 'r2']);
    await recorder.close();
  });

  it('refuses an unstorable input alone, so it cannot block the batch it would join', async () => {
    const store = fakeStore();
    const errors: Error[] = [];
    const recorder = createBatchingRecorder(store.append, { onError: (e) => errors.push(e) });
    recorder.record(recordInput({ requestId: 'bad', time: new Date(Number.NaN) }));
    recorder.record(recordInput({ requestId: 'nan', status: Number.NaN }));
    recorder.record(recordInput({ requestId: 'good' }));
    await recorder.close();
    expect(store.stored()).toEqual(['good']);
    expect(errors.map((e) => e.message)).toEqual([
      'request bad cannot be recorded: its time is not a valid date',
      'request nan cannot be recorded: status is NaN, not a finite number',
    ]);
    expect(recorder.available()).toBe(true);
  });

  it('skips silenced requests and refuses records after close', async () => {
    const store = fakeStore();
    const errors: Error[] = [];
    const recorder = createBatchingRecorder(store.append, { onError: (e) => errors.push(e) });
    recorder.record(recordInput({ requestId: 'silenced', decision: decision('allow', 'none') }));
    await recorder.close();
    recorder.record(recordInput({ requestId: 'late' }));
    expect(store.stored()).toEqual([]);
    expect(errors[0]).toBeInstanceOf(RecorderClosedError);
  });
});
