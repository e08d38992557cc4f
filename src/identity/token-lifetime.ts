import { AuthenticationError } from './errors.js';

export interface LifetimeLimits {
  maxLifetimeSeconds: number;
  clockSkewSeconds: number;
}

/**
 * Refuses tokens that live longer than the configured maximum, and tokens issued in the future. The lifetime is
 * `exp - iat`, or `exp - now` when `iat` is absent (then the issuer's clock may be ahead by the skew).
 * `exp`, `nbf` and the timestamps' types are checked by jose before this runs.
 */
export function checkLifetime(
  claims: { exp: number; iat?: number | undefined },
  limits: LifetimeLimits,
  now: Date,
): void {
  const nowSeconds = now.getTime() / 1000;
  const { exp, iat } = claims;
  if (iat !== undefined && iat > nowSeconds + limits.clockSkewSeconds) {
    throw new AuthenticationError(
      `token is issued in the future (${isoTime(iat)}); check the issuer's clock`,
    );
  }
  const lifetime = Math.ceil(iat === undefined ? exp - nowSeconds : exp - iat);
  const tolerated = limits.maxLifetimeSeconds + (iat === undefined ? limits.clockSkewSeconds : 0);
  if (lifetime > tolerated) {
    throw new AuthenticationError(
      `token lifetime ${formatDuration(lifetime)} exceeds the maximum of ${formatDuration(limits.maxLifetimeSeconds)}; ` +
        'request a shorter-lived token',
    );
  }
}

/** `86400` → `24h`, `5400` → `1h30m`, `45` → `45s`. */
export function formatDuration(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts = [hours && `${hours}h`, minutes && `${minutes}m`, seconds && `${seconds}s`].filter(Boolean);
  return parts.length > 0 ? parts.join('') : '0s';
}

export function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}
