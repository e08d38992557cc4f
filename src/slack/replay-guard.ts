import type { NextFunction, Request, Response } from 'express';

/** Slack's own window: requests signed more than five minutes away from now are replays or broken clocks. */
const MAX_SKEW_SECONDS = 300;

/**
 * Bolt refuses stale signed requests but accepts timestamps from the future, which would let a captured request
 * be replayed later. This refuses both directions before Bolt verifies the signature.
 */
export function rejectFutureTimestamps(now: () => Date) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const ts = Number(req.get('x-slack-request-timestamp'));
    if (Number.isFinite(ts) && ts - now().getTime() / 1000 > MAX_SKEW_SECONDS) {
      res.status(401).type('text/plain').send('Slack request timestamp is in the future');
      return;
    }
    next();
  };
}
