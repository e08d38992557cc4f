/**
 * Exact client-side patch application (RFC 6902 JSON patch, RFC 7386 merge patch), used only when the cluster's own
 * dry run is not available. Strategic merge and server-side apply depend on the cluster's schemas: never computed here.
 */
import { cloneJson, isRecord, jsonEqual } from './json.js';

/** A patch that cannot be applied to the live object; the message names the operation. */
export class PatchApplicationError extends Error {
  override readonly name = 'PatchApplicationError';
}

/** RFC 7386: objects merge recursively, `null` removes a key, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return cloneJson(patch);
  const result = isRecord(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

type Container = Record<string, unknown> | unknown[];

/** RFC 6901 pointer → reference tokens (`~1` is `/`, `~0` is `~`). */
function tokensOf(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchApplicationError(`"${pointer}" is not a JSON pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(array: unknown[], token: string, forInsert: boolean): number {
  if (forInsert && token === '-') return array.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchApplicationError(`"${token}" is not an array index`);
  const index = Number(token);
  if (index > array.length || (!forInsert && index === array.length)) {
    throw new PatchApplicationError(`array index ${index} is out of bounds`);
  }
  return index;
}

function childOf(parent: unknown, token: string): unknown {
  if (Array.isArray(parent)) return parent[arrayIndex(parent, token, false)];
  if (isRecord(parent) && Object.hasOwn(parent, token)) return parent[token];
  throw new PatchApplicationError(`path segment "${token}" does not exist`);
}

/** The container holding the pointer's last token, and that token. */
function locate(doc: unknown, pointer: string): { parent: Container; key: string } {
  const tokens = tokensOf(pointer);
  const key = tokens.pop();
  if (key === undefined) throw new PatchApplicationError('the whole document cannot be the target here');
  const parent = tokens.reduce<unknown>(childOf, doc);
  if (!Array.isArray(parent) && !isRecord(parent)) {
    throw new PatchApplicationError(`"${pointer}" does not point into an object or array`);
  }
  return { parent, key };
}

function read(doc: unknown, pointer: string): unknown {
  return tokensOf(pointer).reduce<unknown>(childOf, doc);
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return value;
  const { parent, key } = locate(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const { parent, key } = locate(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (Object.hasOwn(parent, key)) delete parent[key];
  else throw new PatchApplicationError(`cannot remove "${pointer}": it does not exist`);
  return doc;
}

/** RFC 6902 over a copy of `target`: add, remove, replace, move, copy, test. */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations))
    throw new PatchApplicationError('a JSON patch must be an array of operations');
  return operations.reduce<unknown>((doc, operation: unknown, i) => {
    if (!isRecord(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw new PatchApplicationError(`operation ${i} needs a string "op" and "path"`);
    }
    const { op, path, from } = operation;
    const source = () => {
      if (typeof from !== 'string') throw new PatchApplicationError(`operation ${i} (${op}) needs "from"`);
      return from;
    };
    switch (op) {
      case 'add':
        return add(doc, path, cloneJson(operation.value));
      case 'remove':
        return remove(doc, path);
      case 'replace':
        read(doc, path);
        return path === ''
          ? cloneJson(operation.value)
          : add(remove(doc, path), path, cloneJson(operation.value));
      case 'move': {
        const value = read(doc, source());
        return add(remove(doc, source()), path, value);
      }
      case 'copy':
        return add(doc, path, cloneJson(read(doc, source())));
      case 'test':
        if (!jsonEqual(read(doc, path), operation.value)) {
          throw new PatchApplicationError(`test of "${path}" failed: the live value differs`);
        }
        return doc;
      default:
        throw new PatchApplicationError(`operation ${i} has unknown op "${op}"`);
    }
  }, cloneJson(target));
}
