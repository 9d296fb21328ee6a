// The database migration step: one Job per app version. A Job (rather than an init container) runs
// the migration once per version instead of once per pod start, shows failures as a condition, and
// lets rollouts wait for it; the app's own start-up migration under an advisory lock stays a no-op.
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { Storefront } from '../api/types.ts';
import { APP_UID, databaseEnv } from './app-env.ts';
import { imageVersion, labels, names } from './names.ts';
import { containerSecurityContext, podSecurityContext, resources, scratchVolume } from './security.ts';

const NAME = 'storefront-migrate';

export function renderMigration(scope: Construct, sf: Storefront): void {
  const n = names(sf);
  const version = imageVersion(sf.spec.app.image);
  const meta = { name: n.migration, labels: labels(sf, 'migration', NAME, version) };
  new k8s.KubeJob(scope, `${n.migration}-job`, {
    metadata: meta,
    spec: {
      backoffLimit: 6,
      activeDeadlineSeconds: 900,
      template: {
        metadata: { labels: meta.labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: n.app,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(APP_UID),
          containers: [
            {
              name: 'migrate',
              image: sf.spec.app.image,
              imagePullPolicy: sf.spec.app.imagePullPolicy,
              // The image contract: its entry point takes `migrate`, applies pending migrations and exits.
              args: ['migrate'],
              env: databaseEnv(sf),
              resources: resources(sf.spec.app.resources),
              securityContext: containerSecurityContext(APP_UID),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [scratchVolume('tmp', '64Mi')],
        },
      },
    },
  });
}
