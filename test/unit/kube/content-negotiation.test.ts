import { describe, expect, it } from 'vitest';
import {
  isJsonContentType,
  requestBodyKind,
  toInspectableAccept,
} from '../../../src/kube/content-negotiation.js';

describe('toInspectableAccept', () => {
  it.each([
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['application/json', 'application/json'],
    ['*/*', '*/*'],
    ['application/vnd.kubernetes.protobuf', 'application/json'],
    ['application/vnd.kubernetes.protobuf, */*', 'application/json,*/*'],
    ['application/vnd.kubernetes.protobuf;stream=watch', 'application/json'],
    ['application/json;stream=watch', 'application/json'],
    ['application/cbor', 'application/json'],
    ['application/cbor-seq', 'application/json'],
    ['application/yaml', 'application/json'],
    ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/json'],
    ['text/plain', 'text/plain'],
    [
      'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io;charset=utf-8,application/json',
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    ],
    [
      'application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
      'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
    ],
  ])('%j → %j', (accept, expected) => {
    expect(toInspectableAccept(accept)).toBe(expected);
  });

  it("leaves kubectl get's Table request untouched", () => {
    const kubectlGet =
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    expect(toInspectableAccept(kubectlGet)).toBe(kubectlGet);
  });

  it('leaves aggregated discovery requests untouched', () => {
    const discovery =
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    expect(toInspectableAccept(discovery)).toBe(discovery);
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON', true],
    ['application/strategic-merge-patch+json', true],
    ['application/yaml', false],
    ['application/vnd.kubernetes.protobuf', false],
    ['text/plain', false],
    [undefined, false],
  ])('%j → %s', (contentType, expected) => {
    expect(isJsonContentType(contentType)).toBe(expected);
  });
});

describe('requestBodyKind', () => {
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['application/json', 'json'],
    ['application/json;charset=utf-8', 'json'],
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json', 'json'],
    ['application/strategic-merge-patch+json', 'json'],
    ['application/apply-patch+yaml', 'yaml'],
    ['application/yaml', 'yaml'],
    ['application/vnd.kubernetes.protobuf', 'protobuf'],
    ['application/cbor', 'cbor'],
    ['application/apply-patch+cbor', 'cbor'],
    ['text/plain', 'other'],
    ['application/x-www-form-urlencoded', 'other'],
  ])('%j → %s', (contentType, kind) => {
    expect(requestBodyKind(contentType)).toBe(kind);
  });
});
