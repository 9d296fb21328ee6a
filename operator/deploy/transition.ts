// Update rules for releases. The API server checks a Storefront's CEL transition rules on every
// update; a release is never stored as a Storefront, so the deployer checks the same rules (one
// definition, operator/api) against the deployed revision before it takes the lock.
import type { Storefront } from '../api/types.ts';
import { validateStorefront } from '../api/validate.ts';
import { DeployError } from './errors.ts';
import { deployedRevision } from './history.ts';
import type { StoredRelease } from './release-store.ts';

/**
 * The update rules the API server applies to a Storefront (CEL transition rules: the volume only
 * grows, the database mode and the managed Postgres major version stay) checked against the
 * deployed revision, since a release is never stored as a Storefront the API server could check.
 */
export function checkTransition(
  history: StoredRelease[],
  sf: Storefront,
  only: (path: string) => boolean = () => true,
): void {
  const deployed = deployedRevision(history);
  if (!deployed) return;
  const errors = validateStorefront(sf, deployed.spec).filter((e) => only(e.path));
  if (errors.length) {
    throw new DeployError(
      `release ${deployed.namespace}/${deployed.name}: this change to revision ${deployed.revision} is refused:\n${errors
        .map((e) => `  - ${e.message}`)
        .join('\n')}`,
    );
  }
}
