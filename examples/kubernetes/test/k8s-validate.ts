/**
 * Strict offline validation of Kubernetes objects against the kubernetes-models
 * schemas (the API server's OpenAPI, compiled to ajv validators).
 *
 * kubernetes-models' own `validate()` checks types, enums and required fields but
 * NOT unknown fields: its schemas have no `additionalProperties: false`, so
 * `targetAverageUtilization` under an autoscaling/v2 metric, or a misspelt
 * `readinessProbe`, pass. The API server would drop such a field silently (or
 * reject it under strict field validation) and the manifest would not do what it
 * says. So on top of `validate()` we record which properties the validator reads:
 * a compiled validator reads every property its schema declares (`data.x === undefined || check(data.x)`)
 * and enumerates the keys of free-form maps (labels, data, resources.limits). A key
 * of an object that was neither read nor enumerated is not in the schema.
 */
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

interface Validatable {
  validate(): void;
}
// The model constructors are typed per kind; rendered YAML is untyped until validated.
type ModelClass = new (data: never) => Validatable;

/** apiVersion/kind -> model. Only the kinds the examples use: any other kind is an error, never a pass. */
const MODELS = new Map<string, ModelClass>([
  ['v1/ConfigMap', ConfigMap],
  ['v1/Secret', Secret],
  ['v1/Service', Service],
  ['apps/v1/Deployment', Deployment],
  ['apps/v1/StatefulSet', StatefulSet],
  ['autoscaling/v2/HorizontalPodAutoscaler', HorizontalPodAutoscaler],
  ['policy/v1/PodDisruptionBudget', PodDisruptionBudget],
  ['networking.k8s.io/v1/Ingress', Ingress],
  ['networking.k8s.io/v1/NetworkPolicy', NetworkPolicy],
]);

/** Every problem with `obj` (empty when valid), each prefixed with the object's kind/name. */
export function validateStrict(obj: unknown): string[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return ['not an object'];
  const { apiVersion, kind, metadata } = obj as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  const id = `${String(kind)}/${String(metadata?.name)}`;
  const Model = MODELS.get(`${String(apiVersion)}/${String(kind)}`);
  if (!Model)
    return [
      `${id}: no model registered for apiVersion ${String(apiVersion)} kind ${String(kind)} (examples/kubernetes/test/k8s-validate.ts)`,
    ];

  const model = new Model(withUnwrappedSecretData(obj) as never);
  const tracer = new AccessTracer();
  const problems: string[] = [];
  try {
    // Same validate() as `model.validate()`, called through the tracing proxy.
    tracer.wrap(model, '').validate();
  } catch (error) {
    problems.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const path of tracer.unreadKeys()) problems.push(`${id}: unknown field ${path}`);
  return problems;
}

/**
 * kustomize writes long Secret values as base64 cut into 70-character lines. The
 * API server decodes with Go's base64, which skips line breaks, so they are valid;
 * the models' "byte" format is stricter, so compare what the server sees.
 */
function withUnwrappedSecretData(obj: object): object {
  const { kind, data } = obj as { kind?: unknown; data?: unknown };
  if (kind !== 'Secret' || typeof data !== 'object' || data === null) return obj;
  const unwrapped = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, typeof value === 'string' ? value.replace(/[\r\n]/g, '') : value]),
  );
  return { ...obj, data: unwrapped };
}

/** Wraps an object graph in proxies that remember which keys were read and which objects were enumerated. */
class AccessTracer {
  private readonly records = new Map<object, { path: string; read: Set<string>; enumerated: boolean }>();
  private readonly proxies = new WeakMap<object, object>();

  wrap<T extends object>(target: T, path: string): T {
    const cached = this.proxies.get(target);
    if (cached) return cached as T;
    const record = { path, read: new Set<string>(), enumerated: false };
    this.records.set(target, record);
    const proxy = new Proxy(target, {
      get: (t, key, receiver) => {
        const value: unknown = Reflect.get(t, key, receiver);
        if (typeof key !== 'string') return value;
        record.read.add(key);
        return typeof value === 'object' && value !== null && Object.hasOwn(t, key) ? this.wrap(value, `${path}/${key}`) : value;
      },
      has: (t, key) => {
        if (typeof key === 'string') record.read.add(key);
        return Reflect.has(t, key);
      },
      ownKeys: (t) => {
        record.enumerated = true;
        return Reflect.ownKeys(t);
      },
    });
    this.proxies.set(target, proxy);
    return proxy;
  }

  /** Paths of keys the validator never looked at, in objects whose keys it never enumerated. */
  unreadKeys(): string[] {
    const unread: string[] = [];
    for (const [target, { path, read, enumerated }] of this.records) {
      if (Array.isArray(target) || enumerated) continue;
      for (const key of Object.keys(target)) if (!read.has(key)) unread.push(`${path}/${key}`);
    }
    return unread;
  }
}
