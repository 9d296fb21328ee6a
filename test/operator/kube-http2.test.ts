// The operator's client speaks HTTP/2 to the API server (as client-go does): every request and
// watch is a stream of one connection. Against the real API server: writes, reads, errors with
// their context, paged lists and a watch-backed informer all work over it. And against a TLS server
// that serves HTTP/1.1 only (what kube-apiserver --disable-http2-serving or a proxy presents), the
// refused handshake falls back to HTTP/1.1 and the request still gets its answer.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../operator/core/object.ts';
import { createKubeClient, type KubeClient } from '../../operator/kube/client.ts';
import { isNotFound, KubeApiError } from '../../operator/kube/errors.ts';
import { Informer } from '../../operator/kube/informer.ts';
import { Transport } from '../../operator/kube/transport.ts';
import { testCluster } from '../cluster/context.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, deleteNamespace } from '../support/kube.ts';

const FM = 'kube-http2-test';

describe('KubeClient over HTTP/2 on the real API server', () => {
  let client: KubeClient;
  let ns: string;
  let informer: Informer | undefined;
  const cm = (name: string, value: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, labels: { h2: 'yes' } },
    data: { value },
  });

  beforeAll(async () => {
    client = createKubeClient({ kubeconfig: testCluster().kubeconfig, http2: true });
    ns = await createNamespace(client, 'kube-http2');
  });
  afterAll(async () => {
    await informer?.stop();
    await deleteNamespace(client, ns);
    client.transport.close();
  });

  it('when objects are applied, read, listed in pages and watched, then every answer arrives over one HTTP/2 connection', async () => {
    informer = new Informer(client, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: 'h2',
    });
    informer.start();
    await informer.synced;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => client.apply(cm(`c${i}`, String(i)), { fieldManager: FM })),
    );
    const got = await client.get<KubeObject & { data: { value: string } }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      name: 'c7',
    });
    expect(got.data.value).toBe('7');
    const { items } = await client.list({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: 'h2',
      pageSize: 5,
    });
    expect(items.map((o) => o.metadata.name).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `c${i}`).sort(),
    );
    await eventually('all twelve through the watch', () => informer!.size() === 12);
    await client.apply(cm('c3', 'changed'), { fieldManager: FM });
    await eventually(
      'the change through the watch',
      () => (informer!.get(ns, 'c3')?.['data'] as { value?: string })?.value === 'changed',
    );
    expect(client.transport.protocol()).toBe('h2');
  });

  it('when an object is missing or a write conflicts, then the error carries the status code and the object', async () => {
    const missing = await client
      .get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'nope' })
      .catch((e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
    expect((missing as KubeApiError).message).toContain('nope');
    const created = await client.create(cm('once', '1'), { fieldManager: FM });
    expect(created.metadata.uid).toBeTruthy();
    const again = await client.create(cm('once', '1'), { fieldManager: FM }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(KubeApiError);
    expect((again as KubeApiError).status).toBe(409);
    expect(client.transport.protocol()).toBe('h2');
  });

  it('when applies discard their answers, over HTTP/2 and HTTP/1.1, then each returns what was sent, is stored, and leaves the connection usable', async () => {
    const h1 = createKubeClient({ kubeconfig: testCluster().kubeconfig });
    try {
      for (const [name, c] of [
        ['discard-h2', client],
        ['discard-h1', h1],
      ] as const) {
        const sent = cm(name, 'kept');
        const answer = await c.apply(sent, { fieldManager: FM, discardResponse: true });
        // As sent: no uid, no managedFields (the server's answer was read to its end, not kept).
        expect(answer).toEqual(sent);
        const stored = await c.get<KubeObject & { data: { value: string } }>({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: ns,
          name,
        });
        expect(stored.metadata.uid).toBeTruthy();
        expect(stored.data.value).toBe('kept');
      }
      expect(client.transport.protocol()).toBe('h2');
      expect(h1.transport.protocol()).toBe('http/1.1');
    } finally {
      h1.transport.close();
    }
  });
});

describe('the HTTP/2 client and a server that serves HTTP/1.1 only', () => {
  it('when the TLS handshake refuses h2, then the request is sent again over HTTP/1.1 and later ones go there directly', async () => {
    const { kubeconfig } = testCluster();
    // The test cluster's own serving certificate and key: a TLS server the kubeconfig's CA trusts.
    const base = createKubeClient({ kubeconfig });
    const connection = base.transport.connection;
    const pki = `${testCluster().stateDir}/pki`;
    const server = createServer(
      { key: readFileSync(`${pki}/apiserver.key`), cert: readFileSync(`${pki}/apiserver.crt`) },
      (req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ kind: 'Status', path: req.url, protocol: req.httpVersion }));
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = (server.address() as AddressInfo).port;
      const transport = new Transport(
        { ...connection, server: `https://127.0.0.1:${port}` },
        { http2: true },
      );
      expect(transport.protocol()).toBe('h2');
      const first = await transport.request<{ path: string; protocol: string }>({
        verb: 'get',
        method: 'GET',
        path: '/version',
        context: { verb: 'get', path: '/version' },
      });
      expect(first).toEqual({ kind: 'Status', path: '/version', protocol: '1.1' });
      expect(transport.protocol()).toBe('http/1.1');
      const second = await transport.request<{ path: string }>({
        verb: 'get',
        method: 'GET',
        path: '/api',
        context: { verb: 'get', path: '/api' },
      });
      expect(second.path).toBe('/api');
      expect(transport.requestCounts()['get']).toBe(2);
    } finally {
      server.close();
    }
  });
});
