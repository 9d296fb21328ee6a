// `storefront install` and `storefront upgrade [--install]`: lock the release by creating its next
// revision, then carry it out (revision.ts). `--dry-run=client` prints what would be applied
// without a cluster; `--dry-run=server` has the API server validate every object, storing nothing.

import { stringify } from 'yaml';
import type { Storefront } from '../api/types.ts';
import type { KubeObject } from '../core/object.ts';
import { isNotFound } from '../kube/errors.ts';
import { offlineInputs } from '../observe/inputs.ts';
import { render } from '../render/render.ts';
import { applyObjects, prepareRevision } from './apply.ts';
import type { DeployContext } from './context.ts';
import { DeployError } from './errors.ts';
import { prepareObjects } from './prepare.ts';
import { CLI_FIELD_MANAGER, manifestOf, type Release } from './release.ts';
import type { StoredRelease } from './release-store.ts';
import { lockRevision, type RevisionOptions, runRevision } from './revision.ts';
import { runRollback } from './rollback.ts';
import { checkTransition } from './transition.ts';

export interface InstallOptions extends RevisionOptions {
  command: 'install' | 'upgrade';
  /** upgrade --install: install when the release does not exist. */
  install: boolean;
  createNamespace: boolean;
  dryRun?: 'client' | 'server';
}

/** Picks the one Storefront of the file and checks it is the named release. */
export function storefrontForRelease(storefronts: Storefront[], name: string, file: string): Storefront {
  if (storefronts.length !== 1) {
    throw new DeployError(`${file} holds ${storefronts.length} Storefronts; a release deploys exactly one`);
  }
  const sf = storefronts[0]!;
  if (sf.metadata.name !== name) {
    throw new DeployError(
      `release name "${name}" does not match the Storefront in ${file} (metadata.name "${sf.metadata.name}"); the release name is the Storefront's name`,
    );
  }
  return sf;
}

/** The spec's namespace wins over the context default; a different -n is an error, not a guess. */
export function releaseNamespace(
  ctx: Pick<DeployContext, 'namespace' | 'namespaceFromFlag'>,
  sf: Storefront,
): string {
  const own = sf.metadata.namespace;
  if (!own) return ctx.namespace;
  if (ctx.namespaceFromFlag && own !== ctx.namespace) {
    throw new DeployError(
      `-n ${ctx.namespace} contradicts metadata.namespace "${own}" of Storefront ${sf.metadata.name}; drop one of them`,
    );
  }
  return own;
}

async function ensureNamespace(ctx: DeployContext, namespace: string, create: boolean): Promise<void> {
  if (await ctx.client.tryGet({ apiVersion: 'v1', kind: 'Namespace', name: namespace })) return;
  if (!create)
    throw new DeployError(`namespace ${namespace} does not exist; create it or pass --create-namespace`);
  // An object, not a ref: a top-level `name` is a field the API server's schema refuses.
  await ctx.client.apply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    { fieldManager: CLI_FIELD_MANAGER },
  );
  ctx.err(`created namespace ${namespace}`);
}

function installable(
  history: StoredRelease[],
  name: string,
  namespace: string,
  options: InstallOptions,
): 'install' | 'upgrade' {
  const live = history.filter((h) => h.release.status !== 'failed');
  if (options.command === 'install') {
    if (live.length) {
      const last = history.at(-1)!.release;
      throw new DeployError(
        `release ${namespace}/${name} already exists (revision ${last.revision}, ${last.status}); use storefront upgrade`,
      );
    }
    return 'install';
  }
  if (!history.length && !options.install) {
    throw new DeployError(
      `release ${namespace}/${name} not found; use storefront install, or upgrade --install`,
    );
  }
  return history.some((h) => ['deployed', 'superseded'].includes(h.release.status)) ? 'upgrade' : 'install';
}

/** `--dry-run=client`: the objects (Secret values left out) and their YAML, without a cluster. */
export function clientDryRun(sf: Storefront, namespace: string): { objects: KubeObject[]; yaml: string } {
  const objects = manifestOf(
    prepareObjects(render(sf, offlineInputs(sf, namespace)), {
      namespace,
      name: sf.metadata.name,
    }),
  );
  return {
    objects,
    // YAML 1.1, as kubectl and helm read it (a bare `no` would turn into false).
    yaml: objects
      .map((o) => stringify(o, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false }))
      .join('---\n'),
  };
}

export async function runInstall(
  ctx: DeployContext,
  sf: Storefront,
  options: InstallOptions,
): Promise<Release | undefined> {
  const namespace = ctx.namespace;
  const name = sf.metadata.name;
  await ensureNamespace(ctx, namespace, options.createNamespace && options.dryRun !== 'server');
  if (options.dryRun === 'server') {
    try {
      const prepared = await prepareRevision(ctx.client, sf, namespace, { dryRun: true });
      const result = await applyObjects(ctx.client, prepared.objects, true);
      for (const ref of result.applied)
        ctx.out(`${ref.kind}/${ref.name} validated by the API server (dry run)`);
      ctx.err(`dry run (server): ${result.applied.length} objects accepted; nothing was stored`);
    } catch (e) {
      if (isNotFound(e)) throw new DeployError(`dry run (server) failed: ${(e as Error).message}`);
      throw e;
    }
    return undefined;
  }
  const { lock, history } = await lockRevision(ctx, name, options, (h) => {
    const kind = installable(h, name, namespace, options);
    if (kind === 'upgrade') checkTransition(h, sf);
    return {
      status: kind === 'install' ? 'pending-install' : 'pending-upgrade',
      description: kind === 'install' ? 'Install in progress' : 'Upgrade in progress',
      spec: sf,
    };
  });
  const release = await runRevision(ctx, lock, history, sf, options, (revision) =>
    // The restore gets its own wait budget, at least a minute: a recreated database needs its volume again.
    runRollback(ctx, name, revision, {
      ...options,
      timeoutMs: Math.max(options.timeoutMs, 60_000),
      rollbackOnFailure: false,
    }),
  );
  ctx.out(
    `release ${namespace}/${name} revision ${release.revision}: ${release.status} (${release.description})`,
  );
  return release;
}
