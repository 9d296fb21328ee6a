// The database migration step: one Job per pod template. A Job (rather than an init container) runs
// the migration once per version instead of once per pod start, shows failures as a condition, and
// lets rollouts wait for it; the app's own start-up migration under an advisory lock stays a no-op.
// A Job's pod template is immutable, so its name carries a hash of that template: whatever changes
// in it (image, resources, database settings) gives a new Job, and nothing else does.

import type { Storefront } from '../api/types.ts';
import { objectHash } from '../core/hash.ts';
import { APP_UID, databaseEnv } from './app-env.ts';
import * as k8s from './k8s.ts';
import { imageVersion, names, workloadLabels, workloadSelector } from './names.ts';
import type { Objects } from './objects.ts';
import { podPlacement } from './placement.ts';
import { roleBootstrapContainer } from './postgres-roles.ts';
import { containerSecurityContext, podSecurityContext, resources, scratchVolume } from './security.ts';

/** The migration Job's pod template, exactly as rendered. */
function migrationPodTemplate(sf: Storefront): k8s.PodTemplateSpec {
  const n = names(sf);
  return {
    metadata: { labels: workloadLabels(sf, 'migration', imageVersion(sf.spec.app.image)) },
    spec: {
      restartPolicy: 'Never',
      serviceAccountName: n.app,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: podSecurityContext(APP_UID),
      // Managed Postgres: the superuser sets up the app's role first; the migration itself runs
      // as that role, like the app.
      ...(sf.spec.database.mode === 'managed'
        ? { initContainers: [roleBootstrapContainer(sf, containerSecurityContext(APP_UID))] }
        : {}),
      ...podPlacement(sf, sf.spec.migration, workloadSelector(sf, 'migration')),
      containers: [
        {
          name: 'migrate',
          image: sf.spec.app.image,
          imagePullPolicy: sf.spec.app.imagePullPolicy,
          // The image contract: its entry point takes `migrate`, applies pending migrations and exits.
          args: ['migrate'],
          env: databaseEnv(sf),
          // /tmp (64Mi) + logs.
          resources: resources(sf.spec.app.resources, { request: '64Mi', limit: '256Mi' }),
          securityContext: containerSecurityContext(APP_UID),
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        },
      ],
      volumes: [scratchVolume('tmp', '64Mi')],
    },
  };
}

/**
 * `<name>-migrate-<hash of the pod template>`. The hash reads the template's content whatever the
 * order of its keys, so a spec defaulted here and one read back from the API server agree.
 */
export function migrationJobName(sf: Storefront): string {
  let name = jobNames.get(sf);
  if (name === undefined) {
    name = `${sf.metadata.name}-migrate-${objectHash(migrationPodTemplate(sf)).slice(0, 8)}`;
    jobNames.set(sf, name);
  }
  return name;
}

/**
 * By Storefront object: one reconcile asks for the name several times (render, the takeover
 * check, status), each a pod template built and hashed. Specs are never modified in place (a
 * changed spec is a new object), so an object's name never changes.
 */
const jobNames = new WeakMap<Storefront, string>();

export function renderMigration(out: Objects, sf: Storefront): void {
  const template = migrationPodTemplate(sf);
  const name = migrationJobName(sf);
  out.add(k8s.Job, {
    metadata: { name, labels: template.metadata?.labels },
    spec: { backoffLimit: 6, activeDeadlineSeconds: 900, template },
  });
}
