// The application servers: Deployment, Service, ServiceAccount, HPA and PDB.

import type { Storefront } from '../api/types.ts';
import type { KubeObject } from '../core/object.ts';
import { APP_PORT, APP_UID, appEnv, METRICS_PORT } from './app-env.ts';
import * as k8s from './k8s.ts';
import { imageVersion, names, workloadLabels, workloadSelector } from './names.ts';
import type { Objects } from './objects.ts';
import { podPlacement } from './placement.ts';
import { containerSecurityContext, podSecurityContext, resources, scratchVolume } from './security.ts';

export function renderApp(out: Objects, sf: Storefront): void {
  const n = names(sf);
  const { app } = sf.spec;
  const version = imageVersion(app.image);
  const meta = { name: n.app, labels: workloadLabels(sf, 'app', version) };
  const selector = workloadSelector(sf, 'app');

  out.add(k8s.ServiceAccount, { metadata: meta, automountServiceAccountToken: false });

  out.add(k8s.Deployment, {
    metadata: meta,
    spec: {
      // With autoscaling on, the HPA owns the replica count: leaving it out keeps apply from fighting it.
      ...(app.autoscaling.enabled ? {} : { replicas: app.replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      // Surge first, never drop below the declared capacity during a rollout.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: meta.labels },
        spec: {
          serviceAccountName: n.app,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(APP_UID),
          // preStop sleep (10 s) + the shop's drain (up to 20 s) + headroom.
          terminationGracePeriodSeconds: 45,
          ...podPlacement(sf, app, selector, {
            // Replicas prefer different nodes (a node's loss takes one, not all); never required,
            // so a one-node cluster still runs them all.
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    podAffinityTerm: {
                      topologyKey: 'kubernetes.io/hostname',
                      labelSelector: { matchLabels: selector },
                    },
                  },
                ],
              },
            },
            topologySpreadConstraints: ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map(
              (topologyKey) => ({
                maxSkew: 1,
                topologyKey,
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: selector },
              }),
            ),
          }),
          containers: [
            {
              name: 'app',
              image: app.image,
              imagePullPolicy: app.imagePullPolicy,
              ports: [
                { name: 'http', containerPort: APP_PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
              ],
              env: appEnv(sf),
              // /tmp (64Mi) + logs.
              resources: resources(app.resources, { request: '64Mi', limit: '256Mi' }),
              securityContext: containerSecurityContext(APP_UID),
              startupProbe: {
                httpGet: { path: '/healthz', port: 'http' },
                periodSeconds: 2,
                failureThreshold: 60,
              },
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'http' },
                periodSeconds: 10,
                failureThreshold: 3,
                timeoutSeconds: 2,
              },
              readinessProbe: {
                // The management port: /readyz is not served on the public one.
                httpGet: { path: '/readyz', port: 'metrics' },
                periodSeconds: 5,
                failureThreshold: 2,
                timeoutSeconds: 2,
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [scratchVolume('tmp', '64Mi')],
        },
      },
    },
  });

  out.add(k8s.Service, {
    metadata: meta,
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  });

  if (app.autoscaling.enabled) {
    out.add(k8s.HorizontalPodAutoscaler, {
      metadata: meta,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: n.app },
        minReplicas: app.autoscaling.minReplicas,
        maxReplicas: app.autoscaling.maxReplicas,
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: {
                type: 'Utilization',
                averageUtilization: app.autoscaling.targetCPUUtilizationPercentage,
              },
            },
          },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
      },
    });
  }

  const minReplicas = app.autoscaling.enabled ? app.autoscaling.minReplicas : app.replicas;
  if (minReplicas > 1) {
    out.add(k8s.PodDisruptionBudget, {
      metadata: meta,
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    });
  }
}

/**
 * Gives endpoints time to drop an app pod before it gets SIGTERM. 10 s, not 5: on a starved
 * 2-core node (load ~30) the EndpointSlice update and kube-proxy's rule sync took longer than 5 s
 * once, and one request went to a pod that had stopped listening (502 through the front door). The generated (1.27) types render
 * is typed by predate the `sleep` handler, so it is added to the written object.
 */
export function withPreStopSleep(deployment: KubeObject): KubeObject {
  const spec = deployment.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
  for (const c of spec.template.spec.containers) c.lifecycle = { preStop: { sleep: { seconds: 10 } } };
  return deployment;
}
