// The front-door stand-in on the real node: Debian's nginx in a pod in the ingress controller's
// namespace (so the Storefront's NetworkPolicies apply to its traffic), kept in step with the
// rendered Ingress/HTTPRoute objects and their TLS Secrets by `syncFrontDoor`, which writes the
// configuration and certificates into the pod and reloads nginx gracefully (in-flight requests
// finish on the old workers; nothing is dropped). The host reaches it at 127.0.0.1:<port>
// through a socat relay into the node's namespace — never through the real network.
import { createHash } from 'node:crypto';
import type { Daemon } from '../processes.ts';
import { clusterDnsIp } from './configs.ts';
import { netnsPath } from './containment.ts';
import {
  certFile,
  type FrontDoorRoute,
  gatewayTls,
  nginxConfig,
  routesFromHttpRoutes,
  routesFromIngresses,
} from './front-door-config.ts';
import { oneReplicaDeployment } from './manifests.ts';

export const frontDoorName = 'storefront-front-door';
const confDir = '/run/front-door';

type Kubectl = (args: string[], input?: string) => string;

export function frontDoorManifests(namespace: string, image: string) {
  const labels = { 'app.kubernetes.io/name': frontDoorName };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    oneReplicaDeployment({ name: frontDoorName, namespace, labels }, labels, {
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 33,
        runAsGroup: 33,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'nginx',
          image,
          imagePullPolicy: 'Never',
          // Waits for the first configuration the sync writes, then serves.
          command: [
            'sh',
            '-c',
            `until [ -s ${confDir}/nginx.conf ]; do sleep 1; done; exec nginx -c ${confDir}/nginx.conf -g 'daemon off;'`,
          ],
          ports: [
            { name: 'https', containerPort: 8443 },
            { name: 'http', containerPort: 8080 },
          ],
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 2 },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
          volumeMounts: [
            { name: 'conf', mountPath: confDir },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'conf', emptyDir: { medium: 'Memory' } },
        { name: 'tmp', emptyDir: {} },
      ],
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: frontDoorName, namespace, labels },
      spec: {
        selector: labels,
        ports: [
          { name: 'https', port: 443, targetPort: 8443 },
          { name: 'http', port: 80, targetPort: 8080 },
        ],
      },
    },
  ];
}

/** The relays: host 127.0.0.1:<port> -> Unix socket -> the front door's Service, inside the namespace. */
export function frontDoorRelays(opts: {
  netns: string;
  socketPath: string;
  hostPort: number;
  serviceIp: string;
}): Daemon[] {
  return [
    {
      name: 'relay-front-door-ns',
      bin: '/usr/bin/socat',
      netns: netnsPath(opts.netns),
      args: [`UNIX-LISTEN:${opts.socketPath},fork,unlink-early`, `TCP:${opts.serviceIp}:443`],
    },
    {
      name: 'relay-front-door-host',
      bin: '/usr/bin/socat',
      args: [`TCP-LISTEN:${opts.hostPort},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${opts.socketPath}`],
    },
  ];
}

/** Every route the cluster's Ingresses and HTTPRoutes describe, Service port names resolved. */
function currentRoutes(kubectl: Kubectl): FrontDoorRoute[] {
  const list = (what: string) => {
    try {
      return (JSON.parse(kubectl(['get', what, '-A', '-o', 'json'])).items ?? []) as any[];
    } catch {
      return []; // e.g. Gateway API not installed
    }
  };
  const tlsFor = gatewayTls(
    list('gateways.gateway.networking.k8s.io'),
    list('referencegrants.gateway.networking.k8s.io'),
  );
  const routes = [
    ...routesFromIngresses(list('ingresses.networking.k8s.io')),
    ...routesFromHttpRoutes(list('httproutes.gateway.networking.k8s.io'), tlsFor),
  ];
  const services = new Map(list('services').map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  return routes.flatMap((r) => {
    const svc = services.get(`${r.backend.namespace}/${r.backend.service}`);
    const port =
      typeof r.backend.port === 'number'
        ? r.backend.port
        : svc?.spec?.ports?.find((p: { name?: string }) => p.name === r.backend.port)?.port;
    return port === undefined ? [] : [{ ...r, backend: { ...r.backend, port } }];
  });
}

/**
 * Brings the stand-in's configuration and certificates in line with the cluster; reloads nginx
 * when anything changed. Returns the digest of what it serves and which pod serves it (unchanged
 * digest: nothing done; a re-created pod starts with no configuration, so it counts as a change).
 */
export function syncFrontDoor(kubectl: Kubectl, namespace: string, last?: string): string {
  const routes = currentRoutes(kubectl);
  const files: Record<string, string> = { 'nginx.conf': nginxConfig(routes, confDir, clusterDnsIp) };
  for (const secret of new Set(routes.flatMap((r) => (r.tlsSecret ? [r.tlsSecret] : [])))) {
    const [ns, name] = secret.split('/') as [string, string];
    let data: Record<string, string>;
    try {
      data = JSON.parse(kubectl(['get', 'secret', name, '-n', ns, '-o', 'json'])).data ?? {};
    } catch {
      continue; // not issued yet: that host is served once its Secret exists
    }
    if (!data['tls.crt'] || !data['tls.key']) continue;
    files[`${certFile(secret)}.crt`] = Buffer.from(data['tls.crt'], 'base64').toString();
    files[`${certFile(secret)}.key`] = Buffer.from(data['tls.key'], 'base64').toString();
  }
  // A host whose certificate is missing would fail the whole configuration: leave it out for now.
  const servable = routes.filter((r) => !r.tlsSecret || files[`${certFile(r.tlsSecret)}.crt`]);
  files['nginx.conf'] = nginxConfig(servable, confDir, clusterDnsIp);
  const pod = kubectl([
    'get',
    'pods',
    '-n',
    namespace,
    '-l',
    `app.kubernetes.io/name=${frontDoorName}`,
    '--field-selector=status.phase=Running',
    '-o',
    'jsonpath={.items[0].metadata.name}',
  ]).trim();
  if (!pod) throw new Error(`front door: no running ${frontDoorName} pod in ${namespace} yet`);
  const digest = createHash('sha256').update(JSON.stringify({ pod, files })).digest('hex');
  if (digest === last) return digest;
  // Files first (new names, then renamed into place), then a checked, graceful reload.
  const script = [
    'set -e',
    ...Object.entries(files).map(
      ([name, text]) =>
        `cat > ${confDir}/.${name}.new <<'STOREFRONT_EOF'\n${text}\nSTOREFRONT_EOF\nmv ${confDir}/.${name}.new ${confDir}/${name}`,
    ),
    `if [ -f /tmp/nginx.pid ]; then nginx -t -q -c ${confDir}/nginx.conf && nginx -s reload -c ${confDir}/nginx.conf; fi`,
  ].join('\n');
  kubectl(['exec', '-i', '-n', namespace, pod, '--', 'sh'], script);
  return digest;
}
