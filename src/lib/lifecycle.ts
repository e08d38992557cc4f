/**
 * Components start in order and stop in reverse, as a stack. A failed start stops whatever had started (so a
 * process whose port is taken does not keep its review engine and outbox running), and `close` runs every step even
 * when one fails, then reports all failures at once.
 */
export class Lifecycle {
  private readonly steps: { name: string; stop: () => unknown }[] = [];

  /** Registers how to stop a component that just started. */
  onStop(name: string, stop: () => unknown): void {
    this.steps.push({ name, stop });
  }

  async close(): Promise<void> {
    const failures: Error[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.stop();
      } catch (err) {
        failures.push(
          new Error(`${step.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }),
        );
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(failures, `stopping failed: ${failures.map((f) => f.message).join('; ')}`);
    }
  }
}
