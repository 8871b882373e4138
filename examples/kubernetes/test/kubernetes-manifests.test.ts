/**
 * examples/kubernetes, checked offline: every overlay is rendered by
 * examples/kubernetes/test/kustomize.ts (no kubectl needed), every object is validated strictly
 * against the Kubernetes schemas (unknown fields included), and the properties the
 * demo depends on are asserted: no sticky sessions, three replicas with the three
 * probes and a drain, resources, HPA v2, PDB, the store wiring of each backend.
 * deploy-kind.sh runs against fake docker/kind/kubectl, and must say FAIL when
 * sessions live in the pod.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { createFakeKindTools, type SessionMode } from './fake-kind.js';
import { validateStrict } from './k8s-validate.js';
import { isObject, kustomize, type Json, type K8sObject } from './kustomize.js';
import { freePort } from '@podsafe/test-support/servers';

const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const K8S_DIR = join(REPO_ROOT, 'examples', 'kubernetes');
const DEPLOY_SCRIPT = join(K8S_DIR, 'deploy-kind.sh');
const OVERLAYS = ['redis', 'memcached', 'jwt'] as const;
type Overlay = (typeof OVERLAYS)[number];

const APP = 'podsafe-app';
const KUBECTL = findOnPath('kubectl');
const BASH = findOnPath('bash');

// ---------------------------------------------------------------------------------
// helpers

const renders = new Map<Overlay, K8sObject[]>();
function render(overlay: Overlay): K8sObject[] {
  let objects = renders.get(overlay);
  if (!objects) {
    objects = kustomize(join(K8S_DIR, 'overlays', overlay));
    renders.set(overlay, objects);
  }
  // Tests get their own copy, so one test's mutation cannot leak into another.
  return structuredClone(objects);
}

/** The one object of `kind` (optionally named `name`) in `objects`, typed as its model. */
function only<T>(objects: K8sObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(
    found.map((o) => `${o.kind}/${o.metadata.name}`),
    `exactly one ${kind}${name ? `/${name}` : ''}`,
  ).toHaveLength(1);
  return found[0] as unknown as T;
}

function podSpecOf(workload: IDeployment | IStatefulSet): IPodSpec {
  const spec = workload.spec?.template.spec;
  if (!spec) throw new Error(`${workload.kind}/${workload.metadata?.name} has no pod template spec`);
  return spec;
}

function allContainers(podSpec: IPodSpec): IContainer[] {
  return [...(podSpec.initContainers ?? []), ...podSpec.containers];
}

function workloads(objects: K8sObject[]): Array<IDeployment | IStatefulSet> {
  return objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet') as unknown as Array<IDeployment | IStatefulSet>;
}

function appContainer(objects: K8sObject[]): IContainer {
  const containers = podSpecOf(only<IDeployment>(objects, 'Deployment', APP)).containers;
  expect(containers).toHaveLength(1);
  return containers[0] as IContainer;
}

/** The generated object of `kind` whose name is `baseName` plus kustomize's hash suffix. */
function generated<T>(objects: K8sObject[], kind: string, baseName: string): T & { metadata: { name: string } } {
  const found = objects.filter((o) => o.kind === kind && new RegExp(`^${baseName}-[a-z0-9]{10}$`).test(o.metadata.name));
  expect(found, `one generated ${kind} ${baseName}-<hash>`).toHaveLength(1);
  return found[0] as unknown as T & { metadata: { name: string } };
}

function configOf(objects: K8sObject[]): Record<string, string> {
  return generated<IConfigMap>(objects, 'ConfigMap', 'podsafe-config').data ?? {};
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** The files under `dir`, without installed dependencies (node_modules is pnpm's, not the example's). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !relative(dir, entry.parentPath).split(sep).includes('node_modules'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Literal `kind: Secret` documents in YAML text; generators are the only allowed way to make Secrets here. */
function literalSecrets(text: string): number {
  return parseAllDocuments(text).filter((doc) => {
    const value: unknown = doc.toJS();
    return isObject(value) && value.kind === 'Secret';
  }).length;
}

/** Every JSON-pointer-like path of a plain object inside `value`, in the validator's path notation. */
function objectPaths(value: Json, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => objectPaths(item, `${path}/${i}`));
  if (!isObject(value)) return [];
  return [path, ...Object.entries(value).flatMap(([key, child]) => objectPaths(child, `${path}/${key}`))];
}

function objectAt(root: Json, path: string): Record<string, Json> {
  let current: Json | undefined = root;
  for (const segment of path.split('/').slice(1)) {
    current = Array.isArray(current) ? current[Number(segment)] : isObject(current) ? current[segment] : undefined;
  }
  if (!isObject(current)) throw new Error(`no object at ${path}`);
  return current;
}

function sortById(objects: unknown[]): unknown[] {
  const id = (o: unknown): string => {
    const { kind, metadata } = o as { kind?: string; metadata?: { name?: string } };
    return `${kind}/${metadata?.name}`;
  };
  return [...objects].sort((a, b) => id(a).localeCompare(id(b)));
}

function validHpa(): Record<string, Json> {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'x' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' },
      minReplicas: 3,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  };
}

// ---------------------------------------------------------------------------------

describe('strict schema validation (the checker itself)', () => {
  it('accepts a correct autoscaling/v2 HorizontalPodAutoscaler', () => {
    expect(validateStrict(validHpa())).toEqual([]);
  });

  it('rejects targetAverageUtilization (autoscaling/v2beta1) under an autoscaling/v2 Resource metric, even next to a valid target', () => {
    const hpa = validHpa();
    const metric = objectAt(hpa, '/spec/metrics/0/resource');
    metric.targetAverageUtilization = 70;
    expect(validateStrict(hpa)).toEqual(['HorizontalPodAutoscaler/x: unknown field /spec/metrics/0/resource/targetAverageUtilization']);
  });

  it('rejects a v2beta1-style metric that has only targetAverageUtilization (unknown field and missing target)', () => {
    const hpa = validHpa();
    objectAt(hpa, '/spec/metrics/0').resource = { name: 'cpu', targetAverageUtilization: 70 };
    const problems = validateStrict(hpa);
    expect(problems).toContain('HorizontalPodAutoscaler/x: unknown field /spec/metrics/0/resource/targetAverageUtilization');
    expect(problems.join('\n')).toMatch(/\/spec\/metrics\/0\/resource must have required property target\b/);
  });

  it('rejects a wrong type', () => {
    const hpa = validHpa();
    objectAt(hpa, '/spec').minReplicas = '3';
    expect(validateStrict(hpa).join('\n')).toMatch(/\/spec\/minReplicas must be integer/);
  });

  it('rejects a missing required field', () => {
    const hpa = validHpa();
    delete objectAt(hpa, '/spec').scaleTargetRef;
    expect(validateStrict(hpa).join('\n')).toMatch(/\/spec must have required property scaleTargetRef\b/);
  });

  it('rejects a kind or apiVersion it has no model for, instead of passing it unchecked', () => {
    expect(validateStrict({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toEqual([
      'Pod/p: no model registered for apiVersion v1 kind Pod (examples/kubernetes/test/k8s-validate.ts)',
    ]);
    expect(validateStrict({ ...validHpa(), apiVersion: 'autoscaling/v2beta1' })[0]).toMatch(/no model registered/);
  });

  it.each(OVERLAYS)('catches an unknown field added to any object of the %s overlay (maps excepted)', (overlay) => {
    // Free-form maps, where any key is legal; everything else is a schema'd struct.
    const isMap = (kind: string, path: string): boolean =>
      /\/(labels|annotations|matchLabels|data|stringData|binaryData|requests|limits|nodeSelector)$/.test(path) ||
      (kind === 'Service' && path === '/spec/selector');
    let checked = 0;
    for (const original of render(overlay)) {
      // A field nested under an already unknown field is never reached; the
      // validation test reports that object, this one checks the checker.
      if (validateStrict(original).length > 0) continue;
      for (const path of objectPaths(original)) {
        if (isMap(original.kind, path)) continue;
        const mutated = structuredClone(original);
        objectAt(mutated, path).podsafeNotAField = 'x';
        expect(validateStrict(mutated), `${original.kind}/${original.metadata.name} at ${path || '/'}`).toContain(
          `${original.kind}/${original.metadata.name}: unknown field ${path}/podsafeNotAField`,
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});

describe('offline kustomize renderer (examples/kubernetes/test/kustomize.ts)', () => {
  // Every generator feature the renderer implements, across a base and an overlay.
  // Golden names from `kubectl kustomize` (kustomize v5.5.0), so the hash algorithm is
  // pinned even where kubectl is not installed.
  const fixture = mkdtempSync(join(tmpdir(), 'podsafe-kustomize-'));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'base/kustomization.yaml': `resources: [deployment.yaml]
configMapGenerator:
  - name: app-config
    literals: ["A=1", "B='<x&y>'"]
`,
    'base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers:
        - name: c
          image: i
          envFrom: [{configMapRef: {name: app-config}}, {secretRef: {name: app-secret}}]
          env:
            - {name: X, valueFrom: {configMapKeyRef: {name: app-config, key: A}}}
            - {name: Y, valueFrom: {secretKeyRef: {name: app-secret, key: LONG}}}
      volumes:
        - {name: v1, configMap: {name: app-config}}
        - {name: v2, secret: {secretName: app-secret}}
`,
    'overlay/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../base]
labels:
  - pairs: {team: podsafe}
configMapGenerator:
  - name: app-config
    behavior: merge
    envs: [extra.env]
    literals: ["C=\\"quoted\\""]
secretGenerator:
  - name: app-secret
    literals:
      - SHORT=s
      - LONG=0123456789012345678901234567890123456789012345678901234567890123456789
`,
    'overlay/extra.env': '# comment\n\nD=four\nE=with = sign\n',
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(fixture, file, '..'), { recursive: true });
    writeFileSync(join(fixture, file), text);
  }
  const overlayDir = join(fixture, 'overlay');

  it('merges generators, hashes names like kustomize and rewrites every reference', () => {
    const objects = kustomize(overlayDir);
    const config = only<IConfigMap>(objects, 'ConfigMap', 'app-config-442ck76m2g');
    expect(config.data).toEqual({ A: '1', B: '<x&y>', C: 'quoted', D: 'four', E: 'with = sign' });
    const secret = only<ISecret>(objects, 'Secret', 'app-secret-8ht95c4ggf');
    expect(secret.data?.SHORT).toBe('cw==');
    expect(secret.data?.LONG).toBe('MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMT\nIzNDU2Nzg5MDEyMzQ1Njc4OQ==\n');
    for (const o of objects) expect(o.metadata.labels).toEqual(expect.objectContaining({ team: 'podsafe' }));

    const podSpec = podSpecOf(only<IDeployment>(objects, 'Deployment', 'app'));
    const [container] = podSpec.containers;
    expect(container?.envFrom?.map((s) => s.configMapRef?.name ?? s.secretRef?.name)).toEqual([
      'app-config-442ck76m2g',
      'app-secret-8ht95c4ggf',
    ]);
    expect(container?.env?.map((e) => e.valueFrom?.configMapKeyRef?.name ?? e.valueFrom?.secretKeyRef?.name)).toEqual([
      'app-config-442ck76m2g',
      'app-secret-8ht95c4ggf',
    ]);
    expect(podSpec.volumes?.map((v) => v.configMap?.name ?? v.secret?.secretName)).toEqual([
      'app-config-442ck76m2g',
      'app-secret-8ht95c4ggf',
    ]);
  });

  it('refuses kustomize features it does not implement instead of ignoring them', () => {
    const dir = join(fixture, 'unsupported');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [../base]\nnamePrefix: x-\n');
    expect(() => kustomize(dir)).toThrow(/namePrefix is not supported/);
  });

  it.skipIf(!KUBECTL)('matches `kubectl kustomize` on the fixture', () => {
    const result = spawnSync(KUBECTL as string, ['kustomize', overlayDir], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status, result.stderr).toBe(0);
    const theirs = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as unknown);
    expect(sortById(kustomize(overlayDir))).toEqual(sortById(theirs));
  });
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('renders, and every object passes strict schema validation', () => {
    const objects = render(overlay);
    expect(objects.length).toBeGreaterThanOrEqual(7);
    expect(objects.flatMap((o) => validateStrict(o))).toEqual([]);
  });

  it.skipIf(!KUBECTL)('renders exactly what `kubectl kustomize` renders (order aside)', () => {
    const result = spawnSync(KUBECTL as string, ['kustomize', join(K8S_DIR, 'overlays', overlay)], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status, result.stderr).toBe(0);
    const theirs = parseAllDocuments(result.stdout)
      .map((doc) => doc.toJS() as unknown)
      .filter((value) => value !== null);
    expect(sortById(render(overlay))).toEqual(sortById(theirs));
  });

  it('runs 3 replicas of the app with startup, readiness (/readyz) and liveness (/healthz) probes and a preStop drain', () => {
    const deployment = only<IDeployment>(render(overlay), 'Deployment', APP);
    expect(deployment.spec?.replicas).toBe(3);
    const container = appContainer(render(overlay));
    expect(container.image).toBe('podsafe-example:dev');
    expect(container.imagePullPolicy).toBe('IfNotPresent');

    const portNames = new Set((container.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
    for (const [probe, path] of [
      [container.startupProbe, '/healthz'],
      [container.readinessProbe, '/readyz'],
      [container.livenessProbe, '/healthz'],
    ] as const) {
      expect(probe?.httpGet?.path).toBe(path);
      expect(portNames.has(probe?.httpGet?.port as string | number)).toBe(true);
    }

    const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop[0]).toBe('sleep');
    const sleepSeconds = Number(preStop[1]);
    expect(sleepSeconds).toBeGreaterThan(0);
    // The drain (sleep, then SIGTERM and the app's own shutdown) must fit in the grace period.
    expect(podSpecOf(deployment).terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(sleepSeconds + 10);
  });

  it('gives the app its config, its secret and its pod name', () => {
    const objects = render(overlay);
    const container = appContainer(objects);
    const config = generated<IConfigMap>(objects, 'ConfigMap', 'podsafe-config');
    const secret = generated<ISecret>(objects, 'Secret', 'podsafe-secret');
    // References must carry the hash suffix, or the pods would look for a ConfigMap that does not exist.
    expect(container.envFrom?.map((source) => source.configMapRef?.name ?? source.secretRef?.name)).toEqual([
      config.metadata.name,
      secret.metadata.name,
    ]);
    expect(container.env?.find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');

    const data = configOf(objects);
    expect(data.SESSION_BACKEND).toBe(overlay);
    expect(Number(data.PORT)).toBe(container.ports?.[0]?.containerPort);

    const secrets = Buffer.from((secret.data?.SESSION_SECRET ?? '').replace(/\s/g, ''), 'base64')
      .toString('utf8')
      .split(',');
    expect(secrets.length).toBeGreaterThan(0);
    for (const value of secrets) expect(value.length).toBeGreaterThanOrEqual(32);
  });

  it('gives every container cpu and memory requests and a memory limit', () => {
    const objects = render(overlay);
    const containers = workloads(objects).flatMap((w) => allContainers(podSpecOf(w)).map((c) => ({ w, c })));
    expect(containers.length).toBeGreaterThan(0);
    for (const { w, c } of containers) {
      const where = `${w.kind}/${w.metadata?.name} container ${c.name}`;
      expect(c.resources?.requests?.cpu, where).toBeDefined();
      expect(c.resources?.requests?.memory, where).toBeDefined();
      expect(c.resources?.limits?.memory, where).toBeDefined();
    }
    const app = appContainer(objects);
    expect(app.resources?.limits?.cpu).toBeDefined();
  });

  it('runs every container as non-root, read-only, without capabilities or privilege escalation', () => {
    for (const workload of workloads(render(overlay))) {
      const podSpec = podSpecOf(workload);
      for (const container of allContainers(podSpec)) {
        const where = `${workload.kind}/${workload.metadata?.name} container ${container.name}`;
        const context = { ...podSpec.securityContext, ...container.securityContext };
        expect(context.runAsNonRoot, where).toBe(true);
        // runAsNonRoot cannot be verified for an image whose USER is a name; a uid must be given.
        expect(context.runAsUser, where).toBeGreaterThan(0);
        expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
        expect(container.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        expect(container.securityContext?.capabilities?.drop, where).toContain('ALL');
      }
    }
  });

  it('spreads the app pods across nodes', () => {
    const podSpec = podSpecOf(only<IDeployment>(render(overlay), 'Deployment', APP));
    const spread = podSpec.topologySpreadConstraints?.some((c) => c.topologyKey === 'kubernetes.io/hostname') ?? false;
    const antiAffinity = [
      ...(podSpec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      ...(podSpec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => p.podAffinityTerm),
    ].some((term) => term.topologyKey === 'kubernetes.io/hostname');
    expect(spread || antiAffinity).toBe(true);
  });

  it('balances every request: no session affinity on any Service, no affinity cookie on the Ingress', () => {
    const objects = render(overlay);
    const app = only<IService>(objects, 'Service', APP);
    // Explicit, not just defaulted, so the intent is visible and reviewed.
    expect(app.spec?.sessionAffinity).toBe('None');
    expect(app.spec?.type ?? 'ClusterIP').toBe('ClusterIP');
    for (const service of objects.filter((o) => o.kind === 'Service') as unknown as IService[]) {
      expect(service.spec?.sessionAffinity ?? 'None', `Service/${service.metadata?.name}`).toBe('None');
      expect(service.spec?.sessionAffinityConfig).toBeUndefined();
    }
    const ingress = only<IIngress>(objects, 'Ingress', APP);
    expect(ingress.spec?.ingressClassName).toBe('nginx');
    const annotations = Object.keys(ingress.metadata?.annotations ?? {});
    expect(annotations.filter((key) => /affinity|session-cookie|upstream-hash-by/.test(key))).toEqual([]);
  });

  it('routes the Service and the Ingress to the app pods', () => {
    const objects = render(overlay);
    const deployment = only<IDeployment>(objects, 'Deployment', APP);
    const podLabels = deployment.spec?.template.metadata?.labels ?? {};
    for (const [key, value] of Object.entries(deployment.spec?.selector.matchLabels ?? {})) expect(podLabels[key]).toBe(value);

    const service = only<IService>(objects, 'Service', APP);
    const selector = service.spec?.selector ?? {};
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(selector)) expect(podLabels[key]).toBe(value);
    const containerPortNames = (appContainer(objects).ports ?? []).map((p) => p.name);
    const servicePort = service.spec?.ports?.[0];
    expect(containerPortNames).toContain(servicePort?.targetPort);

    const backend = only<IIngress>(objects, 'Ingress', APP).spec?.rules?.[0]?.http?.paths[0]?.backend.service;
    expect(backend?.name).toBe(APP);
    expect(backend?.port?.name ?? backend?.port?.number).toBe(servicePort?.name ?? servicePort?.port);
  });

  it('autoscales with autoscaling/v2 on 70% CPU utilization, between 3 and 10 replicas', () => {
    const hpa = only<IHorizontalPodAutoscaler>(render(overlay), 'HorizontalPodAutoscaler', APP);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: APP });
    expect(hpa.spec?.minReplicas).toBe(3);
    expect(hpa.spec?.maxReplicas).toBe(10);
    expect(hpa.spec?.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
  });

  it('limits voluntary disruptions of the app with a policy/v1 PodDisruptionBudget', () => {
    const objects = render(overlay);
    const pdb = only<IPodDisruptionBudget>(objects, 'PodDisruptionBudget', APP);
    expect(pdb.apiVersion).toBe('policy/v1');
    const { maxUnavailable, minAvailable } = pdb.spec ?? {};
    expect(maxUnavailable === 1 || minAvailable === 2, `maxUnavailable ${maxUnavailable}, minAvailable ${minAvailable}`).toBe(true);
    const podLabels = only<IDeployment>(objects, 'Deployment', APP).spec?.template.metadata?.labels ?? {};
    const selector = pdb.spec?.selector?.matchLabels ?? {};
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(selector)) expect(podLabels[key]).toBe(value);
  });
});

describe('backend wiring', () => {
  it('redis: one redis:7-alpine with an append-only file on a 1Gi volume, reached by its stable name', () => {
    const objects = render('redis');
    const sts = only<IStatefulSet>(objects, 'StatefulSet', 'redis');
    const service = only<IService>(objects, 'Service', sts.spec?.serviceName);
    expect(service.spec?.clusterIP).toBe('None');
    expect(sts.spec?.replicas).toBe(1);
    const [container] = podSpecOf(sts).containers;
    expect(container?.image).toBe('redis:7-alpine');
    const args = (container?.args ?? []).join(' ');
    expect(args).toMatch(/--appendonly yes/);
    for (const probe of [container?.readinessProbe, container?.livenessProbe]) {
      expect(probe?.exec?.command?.join(' ')).toMatch(/redis-cli ping/);
    }
    const claim = sts.spec?.volumeClaimTemplates?.[0];
    expect(claim?.spec?.resources?.requests?.storage).toBe('1Gi');
    expect(container?.volumeMounts?.map((m) => m.name)).toContain(claim?.metadata?.name);

    const port = service.spec?.ports?.[0]?.port;
    expect(configOf(objects).REDIS_URL).toBe(`redis://${sts.metadata?.name}-0.${sts.spec?.serviceName}:${port}`);
  });

  it('memcached: three memcached:1.6-alpine pods, every one listed by its stable name', () => {
    const objects = render('memcached');
    const sts = only<IStatefulSet>(objects, 'StatefulSet', 'memcached');
    const service = only<IService>(objects, 'Service', sts.spec?.serviceName);
    expect(service.spec?.clusterIP).toBe('None');
    expect(sts.spec?.replicas).toBe(3);
    const [container] = podSpecOf(sts).containers;
    expect(container?.image).toBe('memcached:1.6-alpine');
    expect((container?.args ?? []).join(' ')).toMatch(/-m 64\b/);
    const port = service.spec?.ports?.[0]?.port;
    const expected = Array.from(
      { length: sts.spec?.replicas ?? 0 },
      (_, i) => `${sts.metadata?.name}-${i}.${sts.spec?.serviceName}:${port}`,
    );
    expect(configOf(objects).MEMCACHED_SERVERS?.split(',')).toEqual(expected);
  });

  it('jwt: no session store, but a Redis for revocations, so that logout is final', () => {
    const objects = render('jwt');
    const sts = only<IStatefulSet>(objects, 'StatefulSet', 'redis');
    const service = only<IService>(objects, 'Service', sts.spec?.serviceName);
    const port = service.spec?.ports?.[0]?.port;
    const config = configOf(objects);
    expect(config.SESSION_BACKEND).toBe('jwt');
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.REVOCATION_REDIS_URL).toBe(`redis://${sts.metadata?.name}-0.${sts.spec?.serviceName}:${port}`);
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Ingress',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Secret',
        'Service',
        'Service',
        'StatefulSet',
      ].sort(),
    );
  });
});

/** The decoded value of `key` in the generated Secret `baseName`. */
function secretValue(objects: K8sObject[], baseName: string, key: string): string | undefined {
  const secret = generated<ISecret>(objects, 'Secret', baseName);
  const raw = secret.data?.[key];
  return raw === undefined ? undefined : Buffer.from(raw.replace(/\s/g, ''), 'base64').toString('utf8');
}

/** Whether `labels` carry every pair of `selector`. */
function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const pairs = Object.entries(selector ?? {});
  return pairs.length > 0 && pairs.every(([key, value]) => labels?.[key] === value);
}

const STORES: Array<{ overlay: Overlay; store: string; port: number }> = [
  { overlay: 'redis', store: 'redis', port: 6379 },
  { overlay: 'memcached', store: 'memcached', port: 11211 },
  { overlay: 'jwt', store: 'redis', port: 6379 },
];

describe('who can reach what', () => {
  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    it('serves /metrics on a port of its own that no Service (so no Ingress) exposes, and Prometheus scrapes it on the pod', () => {
      const objects = render(overlay);
      const deployment = only<IDeployment>(objects, 'Deployment', APP);
      const container = appContainer(objects);
      const config = configOf(objects);
      const metricsPort = container.ports?.find((p) => p.name === 'metrics')?.containerPort;
      expect(metricsPort).toBeDefined();
      expect(Number(config.METRICS_PORT)).toBe(metricsPort);
      expect(Number(config.METRICS_PORT)).not.toBe(Number(config.PORT));
      expect(deployment.spec?.template.metadata?.annotations?.['prometheus.io/port']).toBe(String(metricsPort));

      const appLabels = deployment.spec?.template.metadata?.labels;
      const appServices = objects.filter(
        (o) => o.kind === 'Service' && selects((o as unknown as IService).spec?.selector, appLabels),
      ) as unknown as IService[];
      expect(appServices.length).toBeGreaterThan(0);
      for (const service of appServices) {
        for (const port of service.spec?.ports ?? []) {
          expect([metricsPort, 'metrics']).not.toContain(port.targetPort);
        }
      }
    });
  });

  describe.each(STORES)('$overlay overlay: $store', ({ overlay, store, port }) => {
    it('lets only the app pods connect to the store, on its port', () => {
      const objects = render(overlay);
      const sts = only<IStatefulSet>(objects, 'StatefulSet', store);
      const appLabels = only<IDeployment>(objects, 'Deployment', APP).spec?.template.metadata?.labels;
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as INetworkPolicy[];
      const guarding = policies.filter((p) => selects(p.spec?.podSelector?.matchLabels, sts.spec?.template.metadata?.labels));
      expect(guarding).toHaveLength(1);
      const [policy] = guarding;
      expect(policy?.spec?.policyTypes).toEqual(['Ingress']);
      const rules = policy?.spec?.ingress ?? [];
      expect(rules).toHaveLength(1);
      const peers = rules[0]?.from ?? [];
      expect(peers.length).toBeGreaterThan(0);
      for (const peer of peers) {
        // A pod selector in the policy's own namespace only: no ipBlock, no namespaceSelector.
        expect(Object.keys(peer)).toEqual(['podSelector']);
        expect(selects(peer.podSelector?.matchLabels, appLabels)).toBe(true);
      }
      expect(rules[0]?.ports).toEqual([{ port, protocol: 'TCP' }]);
      expect(podSpecOf(sts).containers[0]?.ports?.map((p) => p.containerPort)).toContain(port);
    });
  });

  describe.each(STORES.filter((s) => s.store === 'redis'))('$overlay overlay: redis', ({ overlay }) => {
    it('requires a password that comes from the Secret the app reads, for the server and its probes alike', () => {
      const objects = render(overlay);
      const sts = only<IStatefulSet>(objects, 'StatefulSet', 'redis');
      const [container] = podSpecOf(sts).containers;
      const secretName = generated<ISecret>(objects, 'Secret', 'podsafe-secret').metadata.name;
      const password = secretValue(objects, 'podsafe-secret', 'REDIS_PASSWORD');
      expect(password?.length).toBeGreaterThanOrEqual(16);

      const args = container?.args ?? [];
      expect(args[args.indexOf('--requirepass') + 1]).toBe('$(REDIS_PASSWORD)');
      for (const name of ['REDIS_PASSWORD', 'REDISCLI_AUTH']) {
        const ref = container?.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
        expect(ref, name).toEqual({ name: secretName, key: 'REDIS_PASSWORD' });
      }
      // The password never sits in a URL or a ConfigMap.
      for (const value of Object.values(configOf(objects))) expect(value).not.toContain(password);
      // The app reads the same Secret whole.
      expect(appContainer(objects).envFrom?.map((source) => source.secretRef?.name)).toContain(secretName);
    });

    it('never evicts: a full Redis refuses writes rather than forgetting sessions or revocations', () => {
      const args = podSpecOf(only<IStatefulSet>(render(overlay), 'StatefulSet', 'redis')).containers[0]?.args ?? [];
      expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
      expect(args).toContain('--maxmemory');
    });
  });
});

describe('sources', () => {
  const sources = filesUnder(K8S_DIR);

  it('define no literal Secret anywhere (generators only)', () => {
    // The detector must be able to see one, or the real check below proves nothing.
    expect(literalSecrets('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {K: dg==}\n')).toBe(1);
    const yamlFiles = sources.filter((file) => /\.ya?ml$/.test(file));
    expect(yamlFiles.length).toBeGreaterThan(5);
    for (const file of yamlFiles) {
      const text = readFileSync(file, 'utf8');
      expect(literalSecrets(text), relative(REPO_ROOT, file)).toBe(0);
      // Catches what parsing might not (a file that stopped parsing, a template).
      expect(text, relative(REPO_ROOT, file)).not.toMatch(/^[ \t]*kind:[ \t]*["']?Secret["']?[ \t]*$/m);
    }
  });

  it('contain no absolute path of this checkout', () => {
    for (const file of [...sources, join(REPO_ROOT, 'examples', 'express-app', 'Dockerfile'), join(REPO_ROOT, '.dockerignore')]) {
      expect(readFileSync(file, 'utf8'), relative(REPO_ROOT, file)).not.toContain(REPO_ROOT);
    }
  });

  it('kind-config.yaml: one control plane ready for ingress (ports 80/443 mapped) and two workers', () => {
    const config = parse(readFileSync(join(K8S_DIR, 'kind-config.yaml'), 'utf8')) as {
      kind: string;
      apiVersion: string;
      nodes: Array<{
        role: string;
        kubeadmConfigPatches?: string[];
        extraPortMappings?: Array<{ containerPort: number; hostPort: number }>;
      }>;
    };
    expect(config.kind).toBe('Cluster');
    expect(config.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(config.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
    const controlPlane = config.nodes[0];
    const patch = parse(controlPlane?.kubeadmConfigPatches?.[0] ?? '') as {
      kind?: string;
      nodeRegistration?: { kubeletExtraArgs?: Record<string, string> };
    };
    expect(patch.kind).toBe('InitConfiguration');
    expect(patch.nodeRegistration?.kubeletExtraArgs?.['node-labels']).toBe('ingress-ready=true');
    expect(controlPlane?.extraPortMappings?.map((m) => m.containerPort).sort()).toEqual([443, 80]);
  });

  it('the Dockerfile pins the pnpm of package.json, runs as non-root and starts the example app', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'examples', 'express-app', 'Dockerfile'), 'utf8');
    const { packageManager } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { packageManager: string };
    expect(dockerfile).toContain(`npm i -g ${packageManager}`);
    const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+\s/.test(line));
    const stages = instructions.filter((line) => line.startsWith('FROM '));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1] as string));
    const user = runtime.filter((line) => line.startsWith('USER ')).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)(:|\s|$)/);
    expect(runtime).toContain('EXPOSE 3000 9464'); // the app's port and the metrics port
    expect(runtime).toContain('CMD ["node", "src/server.js"]');
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile/);
  });

  it('the deploy script builds and loads the image the Deployment runs', () => {
    const script = readFileSync(DEPLOY_SCRIPT, 'utf8');
    const image = appContainer(render('jwt')).image;
    expect(script).toContain(`IMAGE=${image}`);
    expect(script).toMatch(/^set -euo pipefail$/m);
  });
});

describe.skipIf(!BASH)('deploy-kind.sh', () => {
  const run = (args: string[], env: Record<string, string>, timeout = 10_000) =>
    spawnSync(BASH as string, [DEPLOY_SCRIPT, ...args], { encoding: 'utf8', env, timeout });

  it('is valid bash', () => {
    expect(spawnSync(BASH as string, ['-n', DEPLOY_SCRIPT], { encoding: 'utf8' }).status).toBe(0);
  });

  it('prints usage for a missing or unknown backend', () => {
    for (const args of [[], ['mysql']]) {
      const result = run(args, { PATH: process.env.PATH ?? '' });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/usage: deploy-kind\.sh <redis\|memcached\|jwt>/);
    }
  });

  it('names every missing tool before doing anything', () => {
    const result = run(['redis'], { PATH: join(REPO_ROOT, 'examples', 'kubernetes', 'no-such-dir') });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing required tool\(s\): docker kind kubectl curl/);
  });

  const smoke = async (mode: SessionMode) => {
    const fakes = createFakeKindTools(mode);
    try {
      const port = await freePort();
      const env = {
        ...process.env,
        ...fakes.env,
        PATH: `${fakes.binDir}${delimiter}${process.env.PATH ?? ''}`,
        PODSAFE_LOCAL_PORT: String(port),
        KIND_CLUSTER_NAME: 'podsafe',
      } as Record<string, string>;
      const result = run(['redis'], env, 30_000);
      return { ...result, calls: fakes.calls() };
    } finally {
      fakes.cleanup();
    }
  };

  it('smoke test PASSes when the session lives outside the pod that died', async () => {
    const result = await smoke('store');
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(
      /PASS: alice is still logged in with counter 1, served by podsafe-app-fake-b after podsafe-app-fake-a was killed/,
    );
    expect(result.calls).toEqual(
      expect.arrayContaining([
        'docker build -f examples/express-app/Dockerfile -t podsafe-example:dev .',
        'kind load docker-image podsafe-example:dev --name podsafe',
        `kubectl --context kind-podsafe apply -k ${join(K8S_DIR, 'overlays', 'redis')}`,
        'kubectl --context kind-podsafe delete pod podsafe-app-fake-a --grace-period=0 --force --wait=false',
      ]),
    );
  });

  it('smoke test FAILs when the session died with the pod (what sticky sessions leave you with)', async () => {
    const result = await smoke('memory');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/FAIL: user alice is no longer logged in after podsafe-app-fake-a died/);
    expect(result.stdout).not.toMatch(/PASS/);
  });
});
