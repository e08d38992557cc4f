/**
 * Runs `task` once right away (a process restarted more often than `everySeconds` would otherwise never run it),
 * then every `everySeconds`; runs never overlap. Housekeeping must never keep a process alive that is otherwise
 * done, so the timers are unref'd. The returned stop function resolves once a run in progress ends.
 */
export function startHousekeeping(everySeconds: number, task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = (): void => {
    running ??= task().finally(() => {
      running = undefined;
    });
  };
  const first = setTimeout(run, 0);
  const interval = setInterval(run, everySeconds * 1000);
  first.unref();
  interval.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(interval);
    await running;
  };
}
