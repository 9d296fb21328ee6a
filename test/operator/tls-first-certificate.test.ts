// A new selfSigned Storefront's CA and leaf are created with POST when the operator's watches know
// both names are free (observe/tls-material.ts), so its first reconcile reads neither. Against the
// real API server, with the operator's own reader over an empty cache that calls every name free:
// what a watch lagging our own create looks like. A second issue must then be refused by the
// server and the stored CA kept, never replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storefront } from '../../operator/api/types.ts';
import { withDefaults } from '../../operator/api/validate.ts';
import type { KubeObject } from '../../operator/core/object.ts';
import { withAppliedHash } from '../../operator/kube/apply-all.ts';
import { createKubeClient, type KubeClient, type RequestInfo } from '../../operator/kube/client.ts';
import { ChildCache } from '../../operator/observe/child-cache.ts';
import { secretValue } from '../../operator/observe/credentials.ts';
import { cacheReader } from '../../operator/observe/reader.ts';
import { selfSignedInputs } from '../../operator/observe/tls-material.ts';
import { testCluster } from '../cluster/context.ts';
import { createNamespace, deleteNamespace } from '../support/kube.ts';
import { storefrontDoc } from './support.ts';

const FM = 'tls-first-certificate-test';

describe('the first certificate of a selfSigned Storefront', () => {
  let client: KubeClient;
  let ns: string;
  const requests: RequestInfo[] = [];

  beforeAll(async () => {
    client = createKubeClient({ kubeconfig: testCluster().kubeconfig, onRequest: (r) => requests.push(r) });
    ns = await createNamespace(client, 'tls-first');
  });
  afterAll(async () => {
    await deleteNamespace(client, ns);
  });

  it('when both names are free, then CA and leaf are created without a read; issued again behind a lagging watch, the server refuses and the stored CA is kept', async () => {
    const doc = JSON.parse(storefrontDoc('shop')) as Storefront;
    const sf = withDefaults({ ...doc, metadata: { name: 'shop', namespace: ns } });
    expect(sf.spec.ingress.tls.mode).toBe('selfSigned');
    // The operator's reader over a cache that holds nothing and calls every name free.
    const lagging = cacheReader(client, new ChildCache(), () => true);
    const create = { owner: (o: KubeObject) => withAppliedHash(o), fieldManager: FM };
    const now = new Date();

    requests.length = 0;
    const first = await selfSignedInputs(lagging, sf, ns, now, create);
    expect(first.decision.issued).toBe('ca-and-leaf');
    expect(requests.map((r) => r.verb).sort()).toEqual(['create', 'create']);
    expect(first.created.map((o) => o.metadata.name).sort()).toEqual(['shop-tls', 'shop-tls-ca']);
    const stored = async (name: string) =>
      client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name });
    expect(secretValue(await stored('shop-tls-ca'), 'ca.crt')).toBe(first.tls.caCertificate);
    expect(secretValue(await stored('shop-tls'), 'tls.crt')).toBe(first.tls.certificate);

    // The watch still has not brought them: the next issue is refused (409) and what is stored wins.
    requests.length = 0;
    const again = await selfSignedInputs(lagging, sf, ns, now, create);
    expect(requests.filter((r) => r.verb === 'create').map((r) => r.code)).toContain('409');
    expect(again.created).toEqual([]);
    expect(again.decision.issued).toBe('none');
    expect(again.tls.caCertificate).toBe(first.tls.caCertificate);
    expect(again.tls.certificate).toBe(first.tls.certificate);
    expect(secretValue(await stored('shop-tls-ca'), 'ca.key')).toBe(first.tls.caPrivateKey);
  });
});
