/** Idle gaps longer than this are shortened, as terminal players do, so a replay never stalls for hours. */
export const MAX_REPLAY_GAP_MS = 5_000;

/** How long a replay waits between two steps: the real gap (capped), divided by `speed`; 0 = no delay. */
export function replayDelayMs(previous: Date, next: Date, speed: number): number {
  if (speed <= 0) return 0;
  const gap = Math.max(0, next.getTime() - previous.getTime());
  return Math.min(gap, MAX_REPLAY_GAP_MS) / speed;
}
