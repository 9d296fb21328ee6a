// render(storefront, inputs) -> every Kubernetes object of the stack. Pure: no I/O, no clock, no
// randomness; the operator and the deployer CLI both call it. Components add plain objects to one
// Objects list (render/objects.ts); no construct library is loaded.
import type { Storefront } from '../api/types.ts';
import { sortForApply } from '../core/apply-order.ts';
import type { KubeObject } from '../core/object.ts';
import { renderApp, withPreStopSleep } from './app.ts';
import { heldForRestore, renderBackup } from './backup.ts';
import { renderCloudNativePg } from './cloudnativepg.ts';
import { renderCredentials } from './credentials.ts';
import { renderFrontDoor } from './front-door.ts';
import type { RenderInputs } from './inputs.ts';
import { renderMigration } from './migration.ts';
import { renderMonitoring } from './monitoring.ts';
import { names } from './names.ts';
import { renderNetworkPolicies } from './network-policies.ts';
import { Objects } from './objects.ts';
import { renderPostgres } from './postgres.ts';
import { renderRedis } from './redis.ts';
import { renderTls } from './tls.ts';
import { withUserMetadata } from './user-metadata.ts';

export type { KubeObject } from '../core/object.ts';
export type { RenderInputs } from './inputs.ts';

export function render(sf: Storefront, inputs: RenderInputs): KubeObject[] {
  const out = new Objects(inputs.namespace);
  renderNetworkPolicies(out, sf);
  renderCredentials(out, sf, inputs);
  if (sf.spec.database.mode === 'managed') renderPostgres(out, sf, inputs);
  renderBackup(out, sf);
  if (sf.spec.database.mode === 'cloudnativepg') renderCloudNativePg(out, sf);
  if (sf.spec.cache.mode === 'managed') renderRedis(out, sf);
  renderMigration(out, sf);
  renderApp(out, sf);
  renderTls(out, sf, inputs);
  renderFrontDoor(out, sf, inputs.namespace);
  renderMonitoring(out, sf);
  const appName = names(sf).app;
  // spec.database.restore: the migration and the app start only once the restore Job succeeded,
  // so nothing writes to the database before the backup is in it.
  const holdForRestore = !!sf.spec.database.restore && !inputs.restoreComplete;
  const objects = out
    .list()
    .filter((o) => !(holdForRestore && heldForRestore(sf, o)))
    .map((o) => (o.kind === 'Deployment' && o.metadata.name === appName ? withPreStopSleep(o) : o));
  return sortForApply(withUserMetadata(sf, objects));
}

/**
 * Only the generated credential Secrets, exactly as render() writes them (user metadata included):
 * what a caller creating one missing credential needs, without rendering the whole stack once per
 * credential (four full renders for every new Storefront showed in the operator's profile).
 */
export function renderCredentialSecrets(sf: Storefront, inputs: RenderInputs): KubeObject[] {
  const out = new Objects(inputs.namespace);
  renderCredentials(out, sf, inputs);
  return withUserMetadata(sf, out.list());
}

/**
 * Only the selfSigned CA and leaf Secrets, exactly as render() writes them: what a caller creating
 * a first certificate with POST needs (observe/tls-material.ts).
 */
export function renderTlsSecrets(sf: Storefront, inputs: RenderInputs): KubeObject[] {
  const out = new Objects(inputs.namespace);
  renderTls(out, sf, inputs);
  return withUserMetadata(sf, out.list()).filter((o) => o.kind === 'Secret');
}
