// Cross-references between rendered objects, checked as a whole: a Secret key a pod reads exists,
// a Service selects exactly the pods it is meant for, a backend names a real Service port, and so
// on. The API server accepts every one of these broken (references are not validated there), and
// kwok/kube-controller-manager would not notice either — so the check lives here and runs on every
// render a unit test makes (examples, mode variants, generated specs).
import type { Storefront } from '../../api/types.ts';
import type { KubeObject } from '../../core/object.ts';
import { names } from '../names.ts';
import { type PodTemplate, podTemplates } from './pod-templates.ts';

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Label-selector semantics of the API server (an empty selector selects everything). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(labels[e.key]!)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(labels[e.key]!)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** Keys of the Secrets other controllers write for objects we render (their documented contracts). */
const CERT_MANAGER_SECRET_KEYS = ['tls.crt', 'tls.key', 'ca.crt'];
// https://cloudnative-pg.io/documentation/current/applications/#secrets
const CNPG_APP_SECRET_KEYS = ['username', 'password', 'host', 'port', 'dbname', 'uri', 'jdbc-uri', 'pgpass'];
/** What a user-provided TLS Secret holds (type kubernetes.io/tls). */
const TLS_SECRET_KEYS = ['tls.crt', 'tls.key'];

/** A pod that something else creates from an object we render (CloudNativePG's instances). */
function foreignPods(objects: KubeObject[]): PodTemplate[] {
  return objects
    .filter((o) => o.kind === 'Cluster' && o.apiVersion === 'postgresql.cnpg.io/v1')
    .map((o) => {
      const inherited = (o.spec as any)?.inheritedMetadata?.labels ?? {};
      return {
        owner: `Cluster/${o.metadata.name}`,
        labels: { ...inherited, 'cnpg.io/cluster': o.metadata.name },
        spec: { containers: [{ name: 'postgres', ports: [{ name: 'postgresql', containerPort: 5432 }] }] },
      };
    });
}

/** Where every Secret key a rendered object may read comes from: `name` -> keys (undefined = any key). */
export function secretSources(sf: Storefront, objects: KubeObject[]): Map<string, Set<string>> {
  const sources = new Map<string, Set<string>>();
  const add = (name: string, keys: string[]) => {
    const set = sources.get(name) ?? new Set<string>();
    for (const k of keys) set.add(k);
    sources.set(name, set);
  };
  // Rendered by us (credentials, selfSigned TLS): exactly the keys in `data`.
  for (const o of objects) {
    if (o.kind === 'Secret') add(o.metadata.name ?? '', Object.keys((o as any).data ?? {}));
    // Written by cert-manager for our Certificate.
    if (o.kind === 'Certificate') add((o.spec as any).secretName, CERT_MANAGER_SECRET_KEYS);
    // Written by CloudNativePG for our Cluster.
    if (o.kind === 'Cluster') add(`${o.metadata.name}-app`, CNPG_APP_SECRET_KEYS);
  }
  // Named by the user in the spec: exactly the (name, key) pairs the spec gives.
  const { app, database, cache, ingress } = sf.spec;
  if (database.mode === 'external' && database.external) add(database.external.name, [database.external.key]);
  if (cache.mode === 'external' && cache.external) add(cache.external.name, [cache.external.key]);
  if (app.adminTokenSecret) add(app.adminTokenSecret.name, [app.adminTokenSecret.key]);
  for (const e of app.env ?? []) if (e.secretKeyRef) add(e.secretKeyRef.name, [e.secretKeyRef.key]);
  if (ingress.tls.mode === 'secret' && ingress.tls.secretName) add(ingress.tls.secretName, TLS_SECRET_KEYS);
  return sources;
}

/** Which workloads each Service and PodDisruptionBudget is meant to select (by object name). */
function intendedTargets(sf: Storefront): Map<string, string[]> {
  const n = names(sf);
  return new Map([
    [`Service/${n.app}`, [`Deployment/${n.app}`]],
    [`Service/${n.postgres}`, [`StatefulSet/${n.postgres}`]],
    [`Service/${n.postgresHeadless}`, [`StatefulSet/${n.postgres}`]],
    [`Service/${n.redis}`, [`Deployment/${n.redis}`]],
    [`Service/${n.metricsService}`, [`Deployment/${n.app}`]],
    [`PodDisruptionBudget/${n.app}`, [`Deployment/${n.app}`]],
    [`PodDisruptionBudget/${n.postgres}`, [`StatefulSet/${n.postgres}`]],
  ]);
}

function containers(t: PodTemplate): any[] {
  return [...(t.spec.initContainers ?? []), ...(t.spec.containers ?? [])];
}

/** Every problem found; an empty list means every reference resolves. */
export function crossReferenceProblems(sf: Storefront, objects: KubeObject[]): string[] {
  const problems: string[] = [];
  const id = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
  const byId = new Map(objects.map((o) => [id(o), o]));
  const templates = podTemplates(objects);
  const pods = [...templates, ...foreignPods(objects)];
  const secrets = secretSources(sf, objects);
  const ns = objects[0]?.metadata.namespace;

  const needSecret = (where: string, name: string, key?: string) => {
    const keys = secrets.get(name);
    if (!keys)
      problems.push(`${where}: Secret ${name} is neither rendered, written for us, nor named in the spec`);
    else if (key !== undefined && !keys.has(key))
      problems.push(`${where}: Secret ${name} has no key ${key} (it has: ${[...keys].sort().join(', ')})`);
  };

  // 1. Secrets pods read (env, envFrom, volumes) and the Ingress serves.
  for (const t of templates) {
    for (const c of containers(t)) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) needSecret(`${t.owner} container ${c.name} env ${e.name}`, ref.name, ref.key);
        const cm = e.valueFrom?.configMapKeyRef;
        if (cm && !byId.has(`ConfigMap/${cm.name}`))
          problems.push(`${t.owner} env ${e.name}: ConfigMap ${cm.name} is not rendered`);
      }
      for (const f of c.envFrom ?? []) {
        if (f.secretRef) needSecret(`${t.owner} container ${c.name} envFrom`, f.secretRef.name);
        if (f.configMapRef && !byId.has(`ConfigMap/${f.configMapRef.name}`))
          problems.push(`${t.owner} envFrom: ConfigMap ${f.configMapRef.name} is not rendered`);
      }
      const volumeNames = new Set((t.spec.volumes ?? []).map((v: any) => v.name));
      for (const m of c.volumeMounts ?? []) {
        // A claim template provides a volume too (StatefulSet).
        const owner = byId.get(t.owner);
        const claims = ((owner?.spec as any)?.volumeClaimTemplates ?? []).map((v: any) => v.metadata.name);
        if (!volumeNames.has(m.name) && !claims.includes(m.name))
          problems.push(`${t.owner} container ${c.name} mounts ${m.name}, which is no volume of the pod`);
      }
    }
    for (const v of t.spec.volumes ?? []) {
      if (v.secret) needSecret(`${t.owner} volume ${v.name}`, v.secret.secretName);
      for (const s of v.projected?.sources ?? [])
        if (s.secret) needSecret(`${t.owner} volume ${v.name}`, s.secret.name);
      if (v.configMap && !byId.has(`ConfigMap/${v.configMap.name}`))
        problems.push(`${t.owner} volume ${v.name}: ConfigMap ${v.configMap.name} is not rendered`);
    }
    const sa = t.spec.serviceAccountName;
    if (sa && !byId.has(`ServiceAccount/${sa}`))
      problems.push(`${t.owner}: ServiceAccount ${sa} is not rendered`);
  }

  // 2. Services and PDBs select exactly their intended pods; Service ports reach a container port.
  const intended = intendedTargets(sf);
  for (const o of objects.filter((x) => x.kind === 'Service' || x.kind === 'PodDisruptionBudget')) {
    const spec = o.spec as any;
    const selector: LabelSelector = o.kind === 'Service' ? { matchLabels: spec.selector } : spec.selector;
    const selected = pods.filter((p) => selects(selector, p.labels)).map((p) => p.owner);
    const want = intended.get(id(o));
    if (!want) problems.push(`${id(o)}: no intended workload is declared for it in cross-references.ts`);
    else if (JSON.stringify(selected.sort()) !== JSON.stringify([...want].sort()))
      problems.push(`${id(o)} selects [${selected.join(', ')}], meant to select [${want.join(', ')}]`);
    if (o.kind === 'Service') {
      for (const p of spec.ports ?? []) {
        for (const pod of pods.filter((x) => selects(selector, x.labels))) {
          const ports = containers(pod).flatMap((c) => c.ports ?? []);
          const target = p.targetPort ?? p.port;
          const found =
            typeof target === 'string'
              ? ports.some((cp: any) => cp.name === target)
              : ports.some((cp: any) => cp.containerPort === target);
          if (!found)
            problems.push(`${id(o)} port ${p.name} targets ${target}, which ${pod.owner} does not expose`);
        }
      }
    }
  }
  for (const o of objects.filter((x) => x.kind === 'StatefulSet')) {
    const svc = (o.spec as any).serviceName;
    if (svc && !byId.has(`Service/${svc}`)) problems.push(`${id(o)}: serviceName ${svc} is not rendered`);
  }

  // 3. The front door reaches a rendered Service port; TLS and header ConfigMaps exist.
  const servicePort = (where: string, name: string, port: { name?: string; number?: number }) => {
    const svc = byId.get(`Service/${name}`);
    if (!svc) return problems.push(`${where}: backend Service ${name} is not rendered`);
    const ports = ((svc.spec as any).ports ?? []) as { name?: string; port: number }[];
    const ok = ports.some((p) => (port.name !== undefined ? p.name === port.name : p.port === port.number));
    if (!ok) problems.push(`${where}: Service ${name} has no port ${port.name ?? port.number}`);
    return undefined;
  };
  for (const o of objects.filter((x) => x.kind === 'Ingress')) {
    const spec = o.spec as any;
    for (const r of spec.rules ?? []) {
      for (const p of r.http?.paths ?? [])
        servicePort(`${id(o)} ${r.host}${p.path}`, p.backend.service.name, p.backend.service.port);
    }
    if (spec.defaultBackend)
      servicePort(`${id(o)} default`, spec.defaultBackend.service.name, spec.defaultBackend.service.port);
    for (const t of spec.tls ?? []) needSecret(`${id(o)} tls`, t.secretName, 'tls.crt');
    for (const [k, v] of Object.entries(o.metadata.annotations ?? {})) {
      if (!k.endsWith('/custom-headers')) continue;
      const [cmNs, cmName] = String(v).split('/');
      if (cmNs !== ns || !byId.has(`ConfigMap/${cmName}`))
        problems.push(`${id(o)} annotation ${k}: ConfigMap ${v} is not rendered in ${ns}`);
    }
  }
  for (const o of objects.filter((x) => x.kind === 'HTTPRoute')) {
    for (const rule of (o.spec as any).rules ?? []) {
      for (const b of rule.backendRefs ?? []) {
        if ((b.kind ?? 'Service') !== 'Service' || (b.group ?? '') !== '')
          problems.push(`${id(o)}: backend ${b.group}/${b.kind} is not a core Service`);
        servicePort(`${id(o)} backendRef`, b.name, { number: b.port });
      }
    }
  }

  // 4. The HPA scales the app Deployment, which then leaves replicas to it.
  for (const o of objects.filter((x) => x.kind === 'HorizontalPodAutoscaler')) {
    const ref = (o.spec as any).scaleTargetRef;
    const target = byId.get(`${ref.kind}/${ref.name}`);
    if (!target || target.apiVersion !== ref.apiVersion)
      problems.push(`${id(o)}: scaleTargetRef ${ref.apiVersion} ${ref.kind}/${ref.name} is not rendered`);
    else if ((target.spec as any).replicas !== undefined)
      problems.push(`${id(o)}: ${id(target)} sets replicas, so every apply would fight the HPA`);
  }

  // 5. NetworkPolicies: every pod selector picks a workload; default-deny covers every rendered pod;
  // allowed ports are ports the selected pods listen on.
  const policies = objects.filter((x) => x.kind === 'NetworkPolicy');
  if (sf.spec.networkPolicy.enabled) {
    for (const t of templates) {
      const covered = policies.some((p) => {
        const s = p.spec as any;
        return (
          selects(s.podSelector, t.labels) &&
          s.policyTypes?.includes('Ingress') &&
          s.policyTypes?.includes('Egress')
        );
      });
      if (!covered) problems.push(`${t.owner}: no NetworkPolicy denies its ingress and egress by default`);
    }
  } else if (policies.length)
    problems.push(`networkPolicy.enabled is false but ${policies.length} NetworkPolicies are rendered`);
  for (const p of policies) {
    const s = p.spec as any;
    const own = pods.filter((x) => selects(s.podSelector, x.labels));
    if (!own.length)
      problems.push(`${id(p)}: podSelector ${JSON.stringify(s.podSelector)} selects no workload`);
    for (const rule of s.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        if (
          peer.podSelector &&
          !peer.namespaceSelector &&
          !pods.some((x) => selects(peer.podSelector, x.labels))
        )
          problems.push(`${id(p)} ingress peer ${JSON.stringify(peer.podSelector)} selects no workload`);
      }
      for (const port of rule.ports ?? []) {
        for (const pod of own) {
          const listens = containers(pod).some((c) =>
            (c.ports ?? []).some((cp: any) => cp.containerPort === port.port),
          );
          if (!listens)
            problems.push(`${id(p)} allows ingress on ${port.port}, which ${pod.owner} does not listen on`);
        }
      }
    }
    for (const rule of s.egress ?? []) {
      for (const peer of rule.to ?? []) {
        if (!peer.podSelector || peer.namespaceSelector) continue;
        const targets = pods.filter((x) => selects(peer.podSelector, x.labels));
        if (!targets.length)
          problems.push(`${id(p)} egress peer ${JSON.stringify(peer.podSelector)} selects no workload`);
        for (const port of rule.ports ?? []) {
          for (const pod of targets) {
            const listens = containers(pod).some((c) =>
              (c.ports ?? []).some((cp: any) => cp.containerPort === port.port),
            );
            if (!listens)
              problems.push(`${id(p)} allows egress to ${pod.owner}:${port.port}, where nothing listens`);
          }
        }
      }
    }
  }
  return problems;
}
