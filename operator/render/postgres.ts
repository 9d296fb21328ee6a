// The managed database: a Postgres StatefulSet with its volume, Services and PDB.

import { compareQuantities } from '../api/quantity.ts';
import type { Storefront } from '../api/types.ts';
import { POSTGRES_DB, POSTGRES_USER } from './credentials.ts';
import type { RenderInputs } from './inputs.ts';
import * as k8s from './k8s.ts';
import { names, workloadLabels, workloadSelector } from './names.ts';
import type { Objects } from './objects.ts';
import { podPlacement } from './placement.ts';
import { containerSecurityContext, podSecurityContext, resources, scratchVolume } from './security.ts';

/** The official image's postgres user. */
export const POSTGRES_UID = 999;
const DATA_DIR = '/var/lib/postgresql/data';

export function postgresImage(sf: Storefront): string {
  return sf.spec.database.image ?? `docker.io/library/postgres:${sf.spec.database.version}-bookworm`;
}

export function renderPostgres(out: Objects, sf: Storefront, inputs: RenderInputs): void {
  const n = names(sf);
  const db = sf.spec.database;
  const meta = (name: string) => ({ name, labels: workloadLabels(sf, 'database', db.version) });
  const selector = workloadSelector(sf, 'database');
  const ready = ['pg_isready', '-h', '127.0.0.1', '-p', '5432', '-U', POSTGRES_USER, '-d', POSTGRES_DB];

  // volumeClaimTemplates cannot change on a live StatefulSet: keep the size it was created with and
  // grow the claim itself (below) when the spec asks for more.
  const templateSize = inputs.observedPostgresVolumeSize ?? db.storage.size;
  // One claim spec for the template and for the live claim it grows: only the size differs.
  const claimSpec = (size: string): k8s.PersistentVolumeClaimSpec => ({
    accessModes: ['ReadWriteOnce'],
    ...(db.storage.storageClassName ? { storageClassName: db.storage.storageClassName } : {}),
    resources: { requests: { storage: size } },
  });
  const servicePorts = [{ name: 'postgres', port: 5432, targetPort: 'postgres', protocol: 'TCP' }];

  out.add(k8s.Service, {
    metadata: meta(n.postgresHeadless),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector,
      ports: servicePorts,
    },
  });
  out.add(k8s.Service, {
    metadata: meta(n.postgres),
    spec: {
      type: 'ClusterIP',
      selector,
      ports: servicePorts,
    },
  });

  out.add(k8s.StatefulSet, {
    metadata: meta(n.postgres),
    spec: {
      replicas: 1,
      serviceName: n.postgresHeadless,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
      selector: { matchLabels: selector },
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: sf.spec.deletionPolicy === 'Delete' ? 'Delete' : 'Retain',
        whenScaled: 'Retain',
      },
      template: {
        metadata: { labels: meta(n.postgres).labels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(POSTGRES_UID),
          ...podPlacement(sf, sf.spec.database, selector),
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: 'postgres',
              image: postgresImage(sf),
              ports: [{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }],
              env: [
                { name: 'POSTGRES_USER', value: POSTGRES_USER },
                { name: 'POSTGRES_DB', value: POSTGRES_DB },
                {
                  name: 'POSTGRES_PASSWORD',
                  valueFrom: { secretKeyRef: { name: n.postgresCredentials, key: 'password' } },
                },
                { name: 'PGDATA', value: `${DATA_DIR}/pgdata` },
              ],
              // /tmp (256Mi) + /var/run/postgresql (16Mi) + logs; /dev/shm is memory.
              resources: resources(db.resources, { request: '64Mi', limit: '512Mi' }),
              securityContext: containerSecurityContext(POSTGRES_UID),
              startupProbe: { exec: { command: ready }, periodSeconds: 5, failureThreshold: 120 },
              // Liveness asks only whether the postmaster listens: a database that is busy or
              // replaying its WAL after a crash is not ready, but restarting it would only start
              // the replay again. Readiness (pg_isready) takes it out of the Service meanwhile.
              livenessProbe: {
                tcpSocket: { port: 'postgres' },
                periodSeconds: 10,
                failureThreshold: 6,
                timeoutSeconds: 5,
              },
              readinessProbe: {
                exec: { command: ready },
                periodSeconds: 5,
                failureThreshold: 3,
                timeoutSeconds: 5,
              },
              volumeMounts: [
                { name: 'data', mountPath: DATA_DIR },
                { name: 'run', mountPath: '/var/run/postgresql' },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'shm', mountPath: '/dev/shm' },
              ],
            },
          ],
          volumes: [
            scratchVolume('run', '16Mi'),
            scratchVolume('tmp', '256Mi'),
            scratchVolume('shm', '256Mi', 'Memory'),
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels: meta('data').labels },
          spec: claimSpec(templateSize),
        },
      ],
    },
  });

  if (compareQuantities(db.storage.size, templateSize) > 0) {
    // Volume expansion: ask for more on the live claim (needs a StorageClass that allows expansion).
    out.add(k8s.PersistentVolumeClaim, {
      metadata: { name: n.postgresDataClaim, labels: meta('data').labels },
      spec: claimSpec(db.storage.size),
    });
  }

  out.add(k8s.PodDisruptionBudget, {
    metadata: meta(n.postgres),
    // A single instance: `minAvailable: 1` would block every `kubectl drain` of its node forever
    // (there is no switchover to wait for). One voluntary disruption at a time lets a drain
    // proceed, with the downtime a single instance has anyway; the data is on the volume.
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  });
}
