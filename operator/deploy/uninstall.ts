// `storefront uninstall NAME [--keep-data]`: lock the release (status uninstalling), delete what
// its revisions applied in reverse apply order, then its history. Data outlives the release as it
// outlives a Storefront: PersistentVolumeClaims and objects marked retain-on-delete (credentials,
// the CA) stay, unless the spec says deletionPolicy: Delete and --keep-data is not given.
import { withDefaults } from '../api/validate.ts';
import { identity, type KubeObject, refOf } from '../core/object.ts';
import { RETAIN_ANNOTATION } from '../render/credentials.ts';
import { storefrontSelector } from '../render/names.ts';
import { type DeployContext, lockOptions } from './context.ts';
import { leftLive, pruneSources } from './history.ts';
import { lockLatest } from './lock.ts';
import { RELEASE_ANNOTATION, releaseKey } from './release.ts';

export interface UninstallOptions {
  keepData: boolean;
  keepHistory: boolean;
}

export async function runUninstall(
  ctx: DeployContext,
  name: string,
  options: UninstallOptions,
): Promise<void> {
  const { client, namespace } = ctx;
  const key = releaseKey(namespace, name);
  const { lock, history } = await lockLatest(ctx.store, namespace, name, 'uninstalling', lockOptions(ctx));
  try {
    const spec = withDefaults(lock.release.spec);
    const deleteData = spec.spec.deletionPolicy === 'Delete' && !options.keepData;
    const seen = new Set<string>();
    const objects = pruneSources(history, -1)
      .flatMap(leftLive)
      .filter((o) => !seen.has(identity(o)) && seen.add(identity(o)));
    const kept: string[] = [];
    const deleted: string[] = [];
    for (const o of [...objects].reverse()) {
      const marked = o.metadata.annotations?.[RETAIN_ANNOTATION] === 'true';
      const retained = o.kind === 'PersistentVolumeClaim' || marked;
      // The backups volume (its own deletionPolicy Retain, the default) stays even with deleteData.
      const keptAlways = o.kind === 'PersistentVolumeClaim' && marked;
      if ((retained && !deleteData) || keptAlways) {
        kept.push(`${o.kind}/${o.metadata.name}`);
        continue;
      }
      const live = await client.tryGet(refOf(o));
      if (!live || live.metadata.annotations?.[RELEASE_ANNOTATION] !== key) continue;
      if (await client.delete(refOf(o), { preconditions: { uid: live.metadata.uid! } }))
        deleted.push(`${o.kind}/${o.metadata.name}`);
    }
    if (deleteData) {
      // The StatefulSet's volume claims were never in a manifest: the controller created them.
      const claims = await client.list<KubeObject>({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace,
        labelSelector: storefrontSelector(name),
      });
      for (const pvc of claims.items)
        if (
          pvc.metadata.annotations?.[RETAIN_ANNOTATION] !== 'true' &&
          (await client.delete(refOf({ ...pvc, apiVersion: 'v1', kind: 'PersistentVolumeClaim' })))
        )
          deleted.push(`PersistentVolumeClaim/${pvc.metadata.name}`);
    }
    ctx.err(
      `deleted ${deleted.length} objects${kept.length ? `; kept ${kept.join(', ')} and the database volume (deletionPolicy ${spec.spec.deletionPolicy}${options.keepData ? ', --keep-data' : ''}); installing ${name} again re-attaches them` : ''}`,
    );
    if (options.keepHistory) {
      await lock.finish({ ...lock.release, status: 'superseded', description: 'Uninstalled (history kept)' });
    } else {
      lock.stop();
      for (const h of history) await ctx.store.delete(h.release);
    }
    ctx.out(`release ${key} uninstalled`);
  } catch (e) {
    await lock.finish({
      ...lock.release,
      status: 'failed',
      description: `Uninstall failed: ${(e as Error).message}`.slice(0, 1000),
    });
    throw e;
  }
}
