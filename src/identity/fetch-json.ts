/** A GET for a JSON document failed; the message names the URL, so it belongs in logs, not in agent responses. */
export class RemoteFetchError extends Error {
  readonly url: string;
  readonly reason: string;

  constructor(url: string, reason: string) {
    super(`GET ${url} failed: ${reason}`);
    this.name = 'RemoteFetchError';
    this.url = url;
    this.reason = reason;
  }
}

/** Fetches and parses a JSON document, bounded by `timeoutMs`; every failure is a `RemoteFetchError`. */
export async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      // Redirects are refused: key material must come from the configured location.
      redirect: 'error',
      headers: { accept: 'application/json' },
    });
  } catch (err) {
    throw new RemoteFetchError(url, describeFetchFailure(err, timeoutMs));
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new RemoteFetchError(url, `HTTP ${response.status}`);
  }
  try {
    return await response.json();
  } catch (err) {
    throw new RemoteFetchError(url, describeFetchFailure(err, timeoutMs, 'the response is not valid JSON'));
  }
}

function describeFetchFailure(err: unknown, timeoutMs: number, fallback?: string): string {
  if (err instanceof Error && err.name === 'TimeoutError')
    return `no complete response within ${timeoutMs} ms`;
  if (fallback) return fallback;
  // undici reports the network-level reason (ECONNREFUSED, ENOTFOUND, …) as the cause of a generic TypeError.
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error)
    return 'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message;
  return err instanceof Error ? err.message : String(err);
}
