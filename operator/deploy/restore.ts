// `storefront restore NEW --from <backup>`: a new release whose Storefront restores a backup
// before its app exists. The render holds the migration and the app back until the restore Job
// succeeded (render/backup.ts); the operator re-renders when that Job finishes, the deployer has
// no loop, so this does it in two revisions: 1 applies the database and the restore Job, then
// waits for the Job; 2 is the same spec, now rendered with the migration and the app (and
// --wait, if asked, waits for those). A failed restore stops after revision 1 with the restore
// pod's own reason; nothing was restored and no app was started.
import type { Storefront } from '../api/types.ts';
import { names } from '../render/names.ts';
import { failureCause } from '../status/failure-cause.ts';
import { waitForJob } from './backup.ts';
import type { DeployContext } from './context.ts';
import { DeployError } from './errors.ts';
import { type InstallOptions, runInstall } from './install.ts';
import type { Release } from './release.ts';

export async function runRestore(
  ctx: DeployContext,
  sf: Storefront,
  options: InstallOptions,
): Promise<Release | undefined> {
  const job = names(sf).restore;
  await runInstall(ctx, sf, { ...options, command: 'install', wait: false, rollbackOnFailure: false });
  ctx.err(
    `waiting for restore Job ${ctx.namespace}/${job}; the migration and the app follow once it succeeded`,
  );
  const { failed, message } = await waitForJob(ctx, job, 'restore', options.timeoutMs);
  if (failed)
    throw new DeployError(
      `restore Job ${ctx.namespace}/${job} failed: ${failed}${message ? `: ${failureCause(message)}` : ''}; release ${sf.metadata.name} stays at revision 1 with no app (uninstall it, fix the backup or --from, and restore again)`,
    );
  return runInstall(ctx, sf, { ...options, command: 'upgrade', install: false });
}
