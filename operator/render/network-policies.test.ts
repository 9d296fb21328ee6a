import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/object.ts';
import { names, WORKLOADS } from './names.ts';
import { render } from './render.ts';
import { exampleFiles, fixedInputs, loadExample } from './testdata/fixtures.ts';
import { podTemplates } from './testdata/pod-templates.ts';

interface Selector {
  matchLabels?: Record<string, string>;
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Policy {
  metadata: { name: string };
  spec: {
    podSelector: Selector;
    policyTypes: string[];
    ingress?: { from: Peer[]; ports?: { port: number; protocol: string }[] }[];
    egress?: { to: Peer[]; ports?: { port: number; protocol: string }[] }[];
  };
}

const selects = (s: Selector, labels: Record<string, string>) =>
  Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

const policies = (objects: KubeObject[]) =>
  objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as Policy[];

const peer = (p: Peer) =>
  p.ipBlock
    ? `cidr:${p.ipBlock.cidr}${p.ipBlock.except ? ` except ${p.ipBlock.except.join(',')}` : ''}`
    : [
        p.namespaceSelector ? `ns:${p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name']}` : '',
        p.podSelector
          ? `pods:${p.podSelector.matchLabels?.['app.kubernetes.io/component'] ?? p.podSelector.matchLabels?.['k8s-app'] ?? JSON.stringify(p.podSelector.matchLabels)}`
          : '',
      ]
        .filter(Boolean)
        .join('/');
const ports = (ps?: { port: number; protocol: string }[]) =>
  ps ? ps.map((p) => `${p.protocol}/${p.port}`).join(',') : 'any';

/** Every allowed flow, one line each: "<target pods> <- <peer> <ports>" or "<target pods> -> <peer> <ports>". */
function flows(objects: KubeObject[]): string[] {
  const out: string[] = [];
  for (const p of policies(objects)) {
    const target = p.spec.podSelector.matchLabels?.['app.kubernetes.io/component'] ?? 'all';
    for (const r of p.spec.ingress ?? [])
      for (const f of r.from) out.push(`${target} <- ${peer(f)} ${ports(r.ports)}`);
    for (const r of p.spec.egress ?? [])
      for (const t of r.to) out.push(`${target} -> ${peer(t)} ${ports(r.ports)}`);
  }
  return out.sort();
}

describe('network policies', () => {
  it.each(exampleFiles())(
    'when %s is rendered, then every pod is selected by a default deny of ingress and egress',
    (file) => {
      const sf = loadExample(file);
      const objects = render(sf, fixedInputs(sf));
      const denies = policies(objects).filter(
        (p) =>
          !p.spec.ingress &&
          !p.spec.egress &&
          p.spec.policyTypes.includes('Ingress') &&
          p.spec.policyTypes.includes('Egress'),
      );
      expect(denies).toHaveLength(1);
      const templates = podTemplates(objects);
      expect(templates.length).toBeGreaterThan(0);
      for (const t of templates) expect(selects(denies[0]!.spec.podSelector, t.labels), t.owner).toBe(true);
    },
  );

  it('when the managed stack is rendered, then exactly the listed flows are allowed', () => {
    const sf = loadExample('minimal.yaml');
    expect(flows(render(sf, fixedInputs(sf)))).toEqual(
      [
        'all -> ns:kube-system/pods:kube-dns UDP/53,TCP/53',
        'app <- ns:ingress-nginx TCP/8080',
        'app -> pods:database TCP/5432',
        'app -> pods:cache TCP/6379',
        'migration -> pods:database TCP/5432',
        'database <- pods:app TCP/5432',
        'database <- pods:migration TCP/5432',
        'cache <- pods:app TCP/6379',
      ].sort(),
    );
  });

  it('when external services are rendered, then app and migration may only reach the given CIDRs', () => {
    const sf = loadExample('external-services.yaml');
    expect(flows(render(sf, fixedInputs(sf)))).toEqual(
      [
        'all -> ns:kube-system/pods:kube-dns UDP/53,TCP/53',
        'app <- ns:ingress-nginx TCP/8080',
        'app -> cidr:10.20.0.0/16 TCP/5432',
        'app -> cidr:10.20.0.0/16 TCP/6379,TCP/6380',
        'migration -> cidr:10.20.0.0/16 TCP/5432',
      ].sort(),
    );
  });

  it('when a monitoring namespace is set, then it (and only it) may reach the metrics port, and the app port is unchanged', () => {
    const sf = loadExample('minimal.yaml');
    sf.spec.networkPolicy.monitoringNamespace = 'monitoring';
    const app = flows(render(sf, fixedInputs(sf))).filter((f) => f.startsWith('app <-'));
    expect(app).toEqual(['app <- ns:ingress-nginx TCP/8080', 'app <- ns:monitoring TCP/9090']);
  });

  it('when external services have no CIDRs, then egress is open on their ports only and never to link-local metadata', () => {
    const sf = loadExample('external-services.yaml');
    delete sf.spec.networkPolicy.externalEgressCIDRs;
    sf.spec.networkPolicy.externalDatabasePorts = [5433];
    const out = flows(render(sf, fixedInputs(sf)));
    expect(out.filter((f) => f.includes('cidr:'))).toEqual(
      [
        'app -> cidr:0.0.0.0/0 except 169.254.0.0/16 TCP/5433',
        'app -> cidr:::/0 except fe80::/10,fd00:ec2::254/128 TCP/5433',
        'app -> cidr:0.0.0.0/0 except 169.254.0.0/16 TCP/6379,TCP/6380',
        'app -> cidr:::/0 except fe80::/10,fd00:ec2::254/128 TCP/6379,TCP/6380',
        'migration -> cidr:0.0.0.0/0 except 169.254.0.0/16 TCP/5433',
        'migration -> cidr:::/0 except fe80::/10,fd00:ec2::254/128 TCP/5433',
      ].sort(),
    );
    // No rule of any policy allows every port.
    expect(out.some((f) => f.endsWith(' any'))).toBe(false);
  });

  it('when network policies are disabled, then none is rendered', () => {
    const sf = loadExample('minimal.yaml');
    sf.spec.networkPolicy.enabled = false;
    expect(policies(render(sf, fixedInputs(sf)))).toEqual([]);
  });

  it.each(exampleFiles())(
    "when %s is rendered, then each workload's policy selects exactly that workload's pods (the same component constants)",
    (file) => {
      const sf = loadExample(file);
      const objects = render(sf, fixedInputs(sf));
      const n = names(sf);
      // The policy named for each workload, and the object whose pods it must select.
      const expected: Record<string, string> = {
        [n.netpol('app')]: `Deployment/${n.app}`,
        [n.netpol('migration')]: `Job/${n.migration}`,
        [n.netpol('postgres')]: `StatefulSet/${n.postgres}`,
        [n.netpol('redis')]: `Deployment/${n.redis}`,
      };
      const templates = podTemplates(objects);
      let checked = 0;
      for (const p of policies(objects)) {
        const owner = expected[p.metadata.name];
        if (!owner) continue;
        const selected = templates.filter((t) => selects(p.spec.podSelector, t.labels)).map((t) => t.owner);
        expect(selected, p.metadata.name).toEqual([owner]);
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(2);
    },
  );

  it("when a workload's pod labels drift from its constants, then its policy no longer selects it", () => {
    // The check above is not vacuous: relabel the app's pods and the app policy selects nothing.
    const sf = loadExample('minimal.yaml');
    const objects = render(sf, fixedInputs(sf)).map((o) =>
      o.kind === 'Deployment' && o.metadata.name === names(sf).app
        ? (JSON.parse(
            JSON.stringify(o).replaceAll(`"${WORKLOADS.app.name}"`, '"renamed-shop"'),
          ) as KubeObject)
        : o,
    );
    const app = policies(objects).find((p) => p.metadata.name === names(sf).netpol('app'))!;
    expect(podTemplates(objects).filter((t) => selects(app.spec.podSelector, t.labels))).toEqual([]);
  });
});
