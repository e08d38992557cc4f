import { describe, expect, it } from 'vitest';
import { AuthenticationError, extractBearerToken } from '../../../src/identity/token-verifier.js';

const protocolFor = (token: string) =>
  `base64url.bearer.authorization.k8s.io.${Buffer.from(token).toString('base64url')}`;

describe('extractBearerToken', () => {
  it('reads the token from Authorization: Bearer, whatever the case of the scheme', () => {
    expect(extractBearerToken({ authorization: 'Bearer abc.def.ghi' })).toBe('abc.def.ghi');
    expect(extractBearerToken({ authorization: 'bearer abc.def.ghi' })).toBe('abc.def.ghi');
  });

  it('reads the token from a WebSocket bearer subprotocol next to the real one', () => {
    const header = `${protocolFor('abc.def.ghi')}, v5.channel.k8s.io`;
    expect(extractBearerToken({ 'sec-websocket-protocol': header })).toBe('abc.def.ghi');
  });

  it('accepts the same token in both places', () => {
    const headers = {
      authorization: 'Bearer abc.def.ghi',
      'sec-websocket-protocol': `v5.channel.k8s.io,${protocolFor('abc.def.ghi')}`,
    };
    expect(extractBearerToken(headers)).toBe('abc.def.ghi');
  });

  it.each([
    [
      'no credentials',
      {},
      'no bearer token: send `Authorization: Bearer <token>` with a token from your issuer',
    ],
    [
      'WebSocket protocols without a token',
      { 'sec-websocket-protocol': 'v5.channel.k8s.io' },
      /^no bearer token/,
    ],
    [
      'another scheme',
      { authorization: 'Basic dXNlcjpwYXNz' },
      'the Authorization header must be `Bearer <token>`',
    ],
    ['an empty bearer', { authorization: 'Bearer ' }, 'the Authorization header must be `Bearer <token>`'],
    [
      'two tokens in the header',
      { authorization: 'Bearer a b' },
      'the Authorization header must be `Bearer <token>`',
    ],
    [
      'two token protocols',
      { 'sec-websocket-protocol': `${protocolFor('a')}, ${protocolFor('b')}, v5.channel.k8s.io` },
      'multiple WebSocket bearer token protocols specified',
    ],
    [
      'a token protocol alone',
      { 'sec-websocket-protocol': protocolFor('abc') },
      'the WebSocket bearer token protocol needs an additional subprotocol',
    ],
    [
      'a token protocol that is not base64url',
      { 'sec-websocket-protocol': 'base64url.bearer.authorization.k8s.io.a+b/c=, v5.channel.k8s.io' },
      'invalid WebSocket bearer token encoding',
    ],
    [
      'a token protocol that is not UTF-8',
      { 'sec-websocket-protocol': 'base64url.bearer.authorization.k8s.io._w, v5.channel.k8s.io' },
      'invalid WebSocket bearer token encoding',
    ],
    [
      'different tokens in the header and the protocol',
      {
        authorization: 'Bearer a.b.c',
        'sec-websocket-protocol': `${protocolFor('x.y.z')}, v5.channel.k8s.io`,
      },
      'the Authorization header and the WebSocket bearer protocol carry different tokens',
    ],
  ])('refuses %s with a 401', (_case, headers, message) => {
    expect(() => extractBearerToken(headers)).toThrow(AuthenticationError);
    expect(() => extractBearerToken(headers)).toThrow(message);
  });
});
