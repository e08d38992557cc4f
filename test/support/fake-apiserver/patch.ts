/** RFC 6902 JSON patch and RFC 7386 JSON merge patch, as pure functions over JSON values. */
import { clone, deepEqual, isRecord } from './json.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

/** The four PATCH content types kube-apiserver accepts. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** A patch that cannot be applied; kube-apiserver answers these with 422. */
export class PatchError extends Error {
  override readonly name = 'PatchError';
}

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const result = isRecord(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function parseOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw new PatchError('a JSON patch must be an array of operations');
  return patch.map((op: unknown, i) => {
    if (!isRecord(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw new PatchError(`operation ${i} needs string "op" and "path"`);
    }
    return {
      op: op.op,
      path: op.path,
      ...(typeof op.from === 'string' ? { from: op.from } : {}),
      ...('value' in op ? { value: op.value } : {}),
    };
  });
}

/** `/a/b~1c` → ['a', 'b/c'] (RFC 6901). */
function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

/** Resolves all but the last token: the container an operation acts on, and the key within it. */
function locate(document: unknown, pointer: string): { parent: Container; key: string } {
  const tokens = parsePointer(pointer);
  const key = tokens.pop();
  if (key === undefined) throw new PatchError('operations on the whole document are not supported');
  let parent: unknown = document;
  for (const token of tokens) {
    parent = Array.isArray(parent) ? parent[Number(token)] : isRecord(parent) ? parent[token] : undefined;
    if (parent === undefined) throw new PatchError(`path "${pointer}" does not exist`);
  }
  if (!Array.isArray(parent) && !isRecord(parent)) throw new PatchError(`path "${pointer}" does not exist`);
  return { parent, key };
}

function arrayIndex(array: unknown[], key: string, allowEnd: boolean, pointer: string): number {
  if (allowEnd && key === '-') return array.length;
  const index = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : NaN;
  if (!(index < array.length || (allowEnd && index === array.length))) {
    throw new PatchError(`array index "${key}" out of range in "${pointer}"`);
  }
  return index;
}

function read(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  const { parent, key } = locate(document, pointer);
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, key, false, pointer)] : parent[key];
  if (value === undefined) throw new PatchError(`path "${pointer}" does not exist`);
  return value;
}

function add(document: unknown, pointer: string, value: unknown): void {
  const { parent, key } = locate(document, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, clone(value));
  else parent[key] = clone(value);
}

function remove(document: unknown, pointer: string): void {
  const { parent, key } = locate(document, pointer);
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(parent, key, false, pointer), 1);
  } else {
    if (!(key in parent)) throw new PatchError(`path "${pointer}" does not exist`);
    delete parent[key];
  }
}

/** RFC 6902: applies the operations in order to a copy of `target`. */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  const document = clone(target);
  for (const operation of parseOperations(patch)) {
    const { op, path } = operation;
    switch (op) {
      case 'add':
        add(document, path, operation.value);
        break;
      case 'remove':
        remove(document, path);
        break;
      case 'replace':
        remove(document, path);
        add(document, path, operation.value);
        break;
      case 'move':
      case 'copy': {
        const from = operation.from ?? '';
        const value = read(document, from);
        if (op === 'move') remove(document, from);
        add(document, path, value);
        break;
      }
      case 'test':
        if (!deepEqual(read(document, path), operation.value)) {
          throw new PatchError(`testing value ${path} failed`);
        }
        break;
      default:
        throw new PatchError(`unexpected operation "${op}"`);
    }
  }
  return document;
}

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case 'json':
      return applyJsonPatch(target, patch);
    case 'merge':
      return applyMergePatch(target, patch);
    case 'strategic':
    case 'apply':
      // Server-side apply is approximated by a strategic merge of the applied configuration.
      return applyStrategicMergePatch(target, patch);
  }
}
