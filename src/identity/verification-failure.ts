import { errors } from 'jose';
import { AuthenticationError, quote } from './errors.js';
import type { IssuerConfig } from './issuer-config.js';
import { isoTime } from './token-lifetime.js';

/**
 * Explains why jose refused a token, in words the agent can act on. Errors that are not about the token
 * (programming errors) are returned unchanged so they are not disguised as a 401.
 */
export function explainVerificationFailure(err: unknown, config: Pick<IssuerConfig, 'audiences'>): unknown {
  if (err instanceof AuthenticationError) return err;
  if (err instanceof errors.JWTExpired) {
    return new AuthenticationError(
      `token expired at ${timestampOf(err.payload.exp)}; request a new token`,
      'expired',
    );
  }
  if (err instanceof errors.JWTClaimValidationFailed) return explainClaimFailure(err, config);
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new AuthenticationError(
      'token signed with a key that the issuer does not publish',
      'bad-signature',
    );
  }
  if (err instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthenticationError(
      'token has no "kid" header and the issuer publishes several matching keys',
    );
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthenticationError('token signature is not valid', 'bad-signature');
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return new AuthenticationError('token signature algorithm is not accepted');
  }
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) {
    // jose's messages here describe the token's structure (e.g. `"exp" claim must be a number`), never keys.
    return new AuthenticationError(`token is not a well-formed JWT: ${err.message}`);
  }
  if (err instanceof errors.JOSEError) return new AuthenticationError('token could not be verified');
  return err;
}

function explainClaimFailure(
  err: InstanceType<typeof errors.JWTClaimValidationFailed>,
  config: Pick<IssuerConfig, 'audiences'>,
): AuthenticationError {
  if (err.reason === 'missing') {
    const consequence = err.claim === 'exp' ? '; Airlock accepts only short-lived tokens' : '';
    return new AuthenticationError(`token has no ${quote(err.claim)} claim${consequence}`);
  }
  switch (err.claim) {
    case 'aud': {
      const expected = config.audiences.map((audience) => quote(audience)).join(', ');
      const oneOf = config.audiences.length > 1 ? 'one of ' : '';
      return new AuthenticationError(
        `token audience is not accepted (expected ${oneOf}${expected})`,
        'wrong-audience',
      );
    }
    case 'nbf':
      return new AuthenticationError(`token is not valid before ${timestampOf(err.payload.nbf)}`);
    default:
      return new AuthenticationError(`token claim ${quote(err.claim)} is not valid`);
  }
}

function timestampOf(claim: unknown): string {
  return typeof claim === 'number' ? isoTime(claim) : 'an unreadable time';
}
