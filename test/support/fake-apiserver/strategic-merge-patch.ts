/**
 * Strategic merge patch for the built-in types the fake serves. Real SMP reads merge keys from Go struct
 * tags; this table covers the lists kubectl patches in practice. Lists without a merge key are replaced.
 * `$setElementOrder/…` and `$retainKeys` are accepted and ignored (they only affect ordering and pruning).
 */
import { clone, isRecord, type JsonObject } from './json.js';

/** Field name → merge key candidates; the first candidate present in the list's elements wins. */
const MERGE_KEYS: Readonly<Record<string, readonly string[]>> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  imagePullSecrets: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  // Container ports merge on containerPort, Service ports on port.
  ports: ['containerPort', 'port'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  hostAliases: ['ip'],
  topologySpreadConstraints: ['topologyKey'],
};

/** Lists of scalars that merge as sets. */
const SET_LISTS = new Set(['finalizers']);

const DELETE_FROM_LIST = '$deleteFromPrimitiveList/';
const ignoredDirective = (key: string) =>
  key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/');

function mergeKeyFor(field: string, ...lists: unknown[][]): string | undefined {
  const candidates = MERGE_KEYS[field] ?? [];
  return candidates.find((k) => lists.some((list) => list.some((el) => isRecord(el) && k in el)));
}

/** A patch fragment used as a value outright: directives removed. */
function withoutDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter((el) => !(isRecord(el) && el.$patch === 'delete')).map(withoutDirectives);
  }
  if (!isRecord(value)) return value;
  const result: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (!key.startsWith('$')) result[key] = withoutDirectives(v);
  }
  return result;
}

function mergeKeyedList(original: unknown[], patch: unknown[], key: string): unknown[] {
  if (patch.some((el) => isRecord(el) && el.$patch === 'replace')) {
    return patch.filter((el) => !(isRecord(el) && el.$patch === 'replace')).map(withoutDirectives);
  }
  const result = original.map(clone);
  for (const element of patch) {
    if (!isRecord(element)) continue;
    const index = result.findIndex((el) => isRecord(el) && el[key] === element[key]);
    if (element.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = mergeObject(result[index], element);
    } else {
      result.push(withoutDirectives(element));
    }
  }
  return result;
}

function mergeValue(field: string, original: unknown, patch: unknown): unknown {
  if (isRecord(patch)) {
    if (patch.$patch === 'delete') return undefined;
    return isRecord(original) && patch.$patch !== 'replace'
      ? mergeObject(original, patch)
      : withoutDirectives(patch);
  }
  if (Array.isArray(patch) && Array.isArray(original)) {
    if (SET_LISTS.has(field)) return [...new Set([...original, ...patch])];
    const key = mergeKeyFor(field, original, patch);
    if (key) return mergeKeyedList(original, patch, key);
  }
  return withoutDirectives(patch);
}

function mergeObject(original: unknown, patch: JsonObject): unknown {
  if (patch.$patch === 'replace') return withoutDirectives(patch);
  const result: JsonObject = isRecord(original) ? clone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (ignoredDirective(key)) continue;
    if (key.startsWith(DELETE_FROM_LIST)) {
      const field = key.slice(DELETE_FROM_LIST.length);
      const drop = Array.isArray(value) ? value : [];
      const current = result[field];
      if (Array.isArray(current)) result[field] = current.filter((v) => !drop.includes(v));
      continue;
    }
    const merged = value === null ? undefined : mergeValue(key, result[key], value);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  return result;
}

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  return isRecord(patch) ? mergeObject(target, patch) : withoutDirectives(patch);
}
