// Generated credential Secrets. Their values come from RenderInputs (the live Secret's values, or
// values generated once by the caller); render never invents a password.

import type { Storefront } from '../api/types.ts';
import type { RenderInputs } from './inputs.ts';
import * as k8s from './k8s.ts';
import { labels, names } from './names.ts';
import type { Objects } from './objects.ts';

/** The image's bootstrap superuser (POSTGRES_USER); the app logs in as POSTGRES_APP_ROLE. */
export const POSTGRES_USER = 'storefront';
export const POSTGRES_DB = 'storefront';
/** The shop's login (render/postgres-roles.ts): owner of its database, not a superuser. */
export const POSTGRES_APP_ROLE = 'storefront_app';
/** Objects carrying this annotation are kept when the Storefront is deleted (deletionPolicy Retain). */
export const RETAIN_ANNOTATION = 'storefront.dev/retain-on-delete';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function renderCredentials(out: Objects, sf: Storefront, inputs: RenderInputs): void {
  const n = names(sf);
  const retain = sf.spec.deletionPolicy === 'Retain' ? { [RETAIN_ANNOTATION]: 'true' } : undefined;
  const secret = (name: string, data: Record<string, string>) =>
    out.add(k8s.Secret, {
      metadata: {
        name,
        labels: labels(sf, 'credentials', name, 'v1'),
        ...(retain ? { annotations: retain } : {}),
      },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    });

  const { postgresPassword, postgresAppPassword, redisPassword, adminToken } = inputs.credentials;
  if (sf.spec.database.mode === 'managed' && postgresPassword) {
    // The bootstrap superuser: used only by the migration Job's role bootstrap, never by the app.
    secret(n.postgresCredentials, {
      username: POSTGRES_USER,
      password: postgresPassword,
      database: POSTGRES_DB,
    });
  }
  if (sf.spec.database.mode === 'managed' && postgresAppPassword) {
    // The app's login (render/postgres-roles.ts): owner of the shop's database, not a superuser.
    secret(n.postgresAppCredentials, {
      username: POSTGRES_APP_ROLE,
      password: postgresAppPassword,
      database: POSTGRES_DB,
    });
  }
  if (sf.spec.cache.mode === 'managed' && redisPassword) {
    secret(n.redisCredentials, { password: redisPassword });
  }
  if (!sf.spec.app.adminTokenSecret && adminToken) {
    secret(n.appSecrets, { 'admin-token': adminToken });
  }
}
