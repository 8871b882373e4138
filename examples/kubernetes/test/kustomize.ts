/**
 * An offline kustomize renderer for examples/kubernetes, so the manifest tests run
 * on a machine without kubectl. It implements exactly what those kustomizations use
 * (resources incl. directories, configMapGenerator/secretGenerator with
 * literals/envs and behavior create|merge|replace, `labels` without selectors, the
 * content-hash suffix and the rewriting of references to generated names in pod
 * templates) and throws on anything else, so an overlay that starts using a new
 * feature fails loudly here instead of rendering something kubectl would not.
 * When kubectl is present, a test compares this output with `kubectl kustomize`.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A rendered Kubernetes object; everything beyond the type meta is left untyped on purpose. */
export interface K8sObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string };
}

interface Item {
  obj: K8sObject;
  /** Set for generator output: the name before the hash suffix, which references use. */
  generated?: true;
}

const KUSTOMIZATION_KEYS = new Set(['apiVersion', 'kind', 'resources', 'labels', 'configMapGenerator', 'secretGenerator']);
const GENERATOR_KEYS = new Set(['name', 'behavior', 'literals', 'envs']);
const SECRET_GENERATOR_KEYS = new Set([...GENERATOR_KEYS, 'type']);
const LABELS_KEYS = new Set(['pairs', 'includeSelectors', 'includeTemplates']);
/** Kinds whose pod template may reference a generated ConfigMap or Secret. */
const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** Renders the kustomization in `dir` like `kubectl kustomize dir` (order aside). */
export function kustomize(dir: string): K8sObject[] {
  const items = accumulate(resolve(dir));
  return finalize(items);
}

function accumulate(dir: string): Item[] {
  const file = join(dir, 'kustomization.yaml');
  const k = asObject(parse(readFileSync(file, 'utf8')), file);
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_KEYS.has(key)) unsupported(file, key);
  }
  if (k.apiVersion !== undefined && k.apiVersion !== 'kustomize.config.k8s.io/v1beta1')
    unsupported(file, `apiVersion ${String(k.apiVersion)}`);
  if (k.kind !== undefined && k.kind !== 'Kustomization') unsupported(file, `kind ${String(k.kind)}`);

  const items: Item[] = [];
  const add = (item: Item): void => {
    if (findItem(items, item.obj.kind, item.obj.metadata.name)) {
      throw new Error(`${file}: ${item.obj.kind}/${item.obj.metadata.name} is defined twice (kustomize refuses this too)`);
    }
    items.push(item);
  };

  for (const entry of asStringList(k.resources, `${file} resources`)) {
    if (/^[a-z]+:\/\//i.test(entry) || entry.startsWith('github.com/')) unsupported(file, `remote resource ${entry}`);
    const target = resolve(dir, entry);
    if (statSync(target).isDirectory()) accumulate(target).forEach(add);
    else for (const obj of readObjects(target)) add({ obj });
  }

  // kustomize runs configMapGenerator before secretGenerator, and both before transformers.
  for (const spec of asList(k.configMapGenerator, `${file} configMapGenerator`)) {
    generate(items, add, file, 'ConfigMap', asObject(spec, file));
  }
  for (const spec of asList(k.secretGenerator, `${file} secretGenerator`)) {
    generate(items, add, file, 'Secret', asObject(spec, file));
  }

  for (const spec of asList(k.labels, `${file} labels`)) {
    const labels = asObject(spec, file);
    for (const key of Object.keys(labels)) {
      if (!LABELS_KEYS.has(key)) unsupported(file, `labels.${key}`);
    }
    // Selector and template labels need kustomize's per-kind field specs; the examples
    // deliberately keep selectors hand-written, so only metadata labels are supported.
    if (labels.includeSelectors === true || labels.includeTemplates === true)
      unsupported(file, 'labels with includeSelectors/includeTemplates');
    const pairs = asObject(labels.pairs ?? {}, file);
    for (const item of items) {
      const current = item.obj.metadata.labels;
      item.obj.metadata.labels = { ...(isObject(current) ? current : {}), ...pairs };
    }
  }
  return items;
}

function generate(items: Item[], add: (item: Item) => void, file: string, kind: 'ConfigMap' | 'Secret', spec: JsonObject): void {
  const allowed = kind === 'Secret' ? SECRET_GENERATOR_KEYS : GENERATOR_KEYS;
  for (const key of Object.keys(spec)) {
    if (!allowed.has(key)) unsupported(file, `${kind} generator field ${key}`);
  }
  const name = spec.name;
  if (typeof name !== 'string' || name === '') throw new Error(`${file}: a ${kind} generator needs a name`);

  const values: Record<string, string> = {};
  for (const envFile of asStringList(spec.envs, `${file} envs`)) {
    Object.assign(values, parseEnvFile(resolve(file, '..', envFile)));
  }
  for (const literal of asStringList(spec.literals, `${file} literals`)) {
    const [key, value] = parseLiteral(literal, file);
    values[key] = value;
  }
  const data: JsonObject = {};
  for (const [key, value] of Object.entries(values)) data[key] = kind === 'Secret' ? encodeBase64(value) : value;

  const behavior = spec.behavior ?? 'create';
  if (behavior === 'create') {
    const obj: K8sObject = { apiVersion: 'v1', kind, metadata: { name }, data };
    if (kind === 'Secret') obj.type = typeof spec.type === 'string' ? spec.type : 'Opaque';
    add({ obj, generated: true });
    return;
  }
  if (behavior !== 'merge' && behavior !== 'replace') unsupported(file, `generator behavior ${String(behavior)}`);
  const existing = findItem(items, kind, name);
  if (!existing?.generated) throw new Error(`${file}: behavior ${behavior} needs a generated ${kind}/${name} from a base`);
  const previous = isObject(existing.obj.data) ? existing.obj.data : {};
  existing.obj.data = behavior === 'merge' ? { ...previous, ...data } : data;
}

/** Adds the content-hash suffix to generated objects and renames every reference to them. */
function finalize(items: Item[]): K8sObject[] {
  const renamed = new Map<string, string>();
  for (const item of items) {
    if (!item.generated) continue;
    const { kind, metadata } = item.obj;
    const newName = `${metadata.name}-${contentHash(item.obj)}`;
    renamed.set(`${kind}/${metadata.name}`, newName);
    metadata.name = newName;
  }
  const rename = (kind: string, name: Json | undefined): Json | undefined =>
    typeof name === 'string' ? (renamed.get(`${kind}/${name}`) ?? name) : name;

  for (const { obj } of items) {
    if (!POD_TEMPLATE_KINDS.has(obj.kind)) continue;
    const podSpec = getPath(obj, ['spec', 'template', 'spec']);
    if (isObject(podSpec)) rewritePodSpec(podSpec, rename);
  }
  return items.map((item) => structuredClone(item.obj));
}

type Rename = (kind: string, name: Json | undefined) => Json | undefined;

function rewritePodSpec(podSpec: JsonObject, rename: Rename): void {
  const setName = (holder: Json | undefined, kind: string, field = 'name'): void => {
    if (isObject(holder) && holder[field] !== undefined) holder[field] = rename(kind, holder[field]) ?? null;
  };
  for (const container of [...objects(podSpec.initContainers), ...objects(podSpec.containers)]) {
    for (const source of objects(container.envFrom)) {
      setName(source.configMapRef, 'ConfigMap');
      setName(source.secretRef, 'Secret');
    }
    for (const variable of objects(container.env)) {
      const from = variable.valueFrom;
      if (!isObject(from)) continue;
      setName(from.configMapKeyRef, 'ConfigMap');
      setName(from.secretKeyRef, 'Secret');
    }
  }
  for (const volume of objects(podSpec.volumes)) {
    setName(volume.configMap, 'ConfigMap');
    setName(volume.secret, 'Secret', 'secretName');
    const projected = volume.projected;
    for (const source of objects(isObject(projected) ? projected.sources : undefined)) {
      setName(source.configMap, 'ConfigMap');
      setName(source.secret, 'Secret');
    }
  }
  for (const pullSecret of objects(podSpec.imagePullSecrets)) setName(pullSecret, 'Secret');
}

/**
 * kustomize's name suffix (sigs.k8s.io/kustomize/api/hasher): sha256 of Go's
 * json.Marshal of {kind, name, data[, type]}, first 10 hex digits with 0,1,3,a,e
 * swapped for letters. Quirk reproduced on purpose: kustomize looks the name up
 * with the single key "metadata/name", finds nothing, and hashes an empty name.
 */
function contentHash(obj: K8sObject): string {
  const field = (key: string): Json => {
    const value = obj[key];
    return value === undefined ? '' : value;
  };
  const input: JsonObject = { kind: obj.kind, name: '', data: field('data') };
  if (obj.kind === 'Secret') {
    input.type = field('type');
    if (isObject(obj.stringData)) input.stringData = obj.stringData;
  } else if (isObject(obj.binaryData)) {
    input.binaryData = obj.binaryData;
  }
  const hex = createHash('sha256').update(goJsonMarshal(input)).digest('hex');
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
}

/** JSON as Go's encoding/json writes it: map keys sorted, and <, >, &, U+2028, U+2029 escaped. */
function goJsonMarshal(value: Json): string {
  const sorted = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(sorted);
    if (isObject(v))
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sorted(v[k] ?? null)]),
      );
    return v;
  };
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Base64 as kustomize stores Secret data (kyaml encodeBase64): once the encoding
 * reaches 70 characters it is cut into 70-character lines, each ending in "\n".
 * The hash is taken over this exact text, so the line breaks matter.
 */
function encodeBase64(value: string): string {
  const encoded = Buffer.from(value, 'utf8').toString('base64');
  const lineLength = 70;
  if (encoded.length < lineLength) return encoded;
  let out = '';
  for (let i = 0; i < encoded.length; i += lineLength) out += `${encoded.slice(i, i + lineLength)}\n`;
  return out;
}

/** `KEY=VALUE`, value optionally wrapped in matching single or double quotes (kustomize's parseLiteralSource). */
function parseLiteral(literal: string, file: string): [string, string] {
  const eq = literal.indexOf('=');
  if (eq <= 0) throw new Error(`${file}: literal ${JSON.stringify(literal)} is not KEY=VALUE`);
  const key = literal.slice(0, eq);
  let value = literal.slice(eq + 1);
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[0] === value[value.length - 1]) value = value.slice(1, -1);
  return [key, value];
}

/** An env file as kustomize reads it: KEY=VALUE lines, blank lines and # comments skipped, values taken verbatim. */
function parseEnvFile(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    // A bare KEY would make kustomize copy the variable from its own environment,
    // which a test must never depend on.
    if (eq <= 0) throw new Error(`${file}: line ${JSON.stringify(rawLine)} is not KEY=VALUE`);
    values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

function readObjects(file: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as Json;
    if (value === null) continue;
    const obj = asObject(value, file);
    const metadata = obj.metadata;
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || !isObject(metadata) || typeof metadata.name !== 'string') {
      throw new Error(`${file}: every document needs apiVersion, kind and metadata.name`);
    }
    objects.push(obj as K8sObject);
  }
  return objects;
}

function findItem(items: Item[], kind: string, name: string): Item | undefined {
  return items.find((item) => item.obj.kind === kind && item.obj.metadata.name === name);
}

function getPath(value: Json | undefined, path: string[]): Json | undefined {
  let current = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objects(value: Json | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function asObject(value: unknown, where: string): JsonObject {
  if (!isObject(value)) throw new Error(`${where}: expected a mapping`);
  return value;
}

function asList(value: Json | undefined, where: string): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list`);
  return value;
}

function asStringList(value: Json | undefined, where: string): string[] {
  return asList(value, where).map((entry) => {
    if (typeof entry !== 'string') throw new Error(`${where}: expected strings`);
    return entry;
  });
}

function unsupported(file: string, what: string): never {
  throw new Error(
    `${file}: ${what} is not supported by examples/kubernetes/test/kustomize.ts; extend it (and its kubectl comparison test) first`,
  );
}
