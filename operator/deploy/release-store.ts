// Release history in the cluster: one Secret of type storefront.dev/release.v1 per revision, in the
// release's namespace. Writes use JSON patches with `test` operations, so a write made on a stale
// read (or by a process that lost its lock) fails instead of overwriting someone else's record.

import type { KubeObject } from '../core/object.ts';
import type { KubeClient } from '../kube/client.ts';
import {
  RELEASE_NAME_LABEL,
  RELEASE_OWNER,
  RELEASE_OWNER_LABEL,
  RELEASE_STATUS_LABEL,
  type Release,
  releaseFromSecret,
  releaseSecret,
  releaseSecretName,
} from './release.ts';

export interface StoredRelease {
  release: Release;
  /** The Secret as last read or written (resourceVersion, lock annotations). */
  secret: KubeObject;
}

const SECRET = { apiVersion: 'v1', kind: 'Secret' } as const;

/** JSON-pointer escaping of one path segment (`storefront.dev/x` -> `storefront.dev~1x`). */
export function pointer(...segments: string[]): string {
  return `/${segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

export type JsonPatchOp =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

export class ReleaseStore {
  readonly client: KubeClient;

  constructor(client: KubeClient) {
    this.client = client;
  }

  /** Every stored revision of a release, oldest first. */
  async history(namespace: string, name: string): Promise<StoredRelease[]> {
    const { items } = await this.client.list({
      ...SECRET,
      namespace,
      labelSelector: { [RELEASE_OWNER_LABEL]: RELEASE_OWNER, [RELEASE_NAME_LABEL]: name },
    });
    return items
      .map((secret) => ({ secret, release: releaseFromSecret(secret) }))
      .sort((a, b) => a.release.revision - b.release.revision);
  }

  /**
   * The newest revision of every release in a namespace (all namespaces when omitted). A record
   * that cannot be read (corrupt, or planted by someone who may write Secrets somewhere) is
   * reported to `unreadable` and skipped, so one bad Secret does not hide every other release.
   */
  async list(namespace?: string, unreadable?: (problem: string) => void): Promise<StoredRelease[]> {
    const { items } = await this.client.list({
      ...SECRET,
      ...(namespace ? { namespace } : {}),
      labelSelector: { [RELEASE_OWNER_LABEL]: RELEASE_OWNER },
    });
    const newest = new Map<string, StoredRelease>();
    for (const secret of items) {
      let release: Release;
      try {
        release = releaseFromSecret(secret);
      } catch (e) {
        unreadable?.((e as Error).message);
        continue;
      }
      const key = `${release.namespace}/${release.name}`;
      const seen = newest.get(key);
      if (!seen || seen.release.revision < release.revision) newest.set(key, { release, secret });
    }
    return [...newest.values()].sort(
      (a, b) =>
        a.release.namespace.localeCompare(b.release.namespace) ||
        a.release.name.localeCompare(b.release.name),
    );
  }

  /** Creates a revision; fails with AlreadyExists when another process created it first. */
  async create(release: Release, annotations: Record<string, string>): Promise<StoredRelease> {
    const secret = await this.client.create(releaseSecret(release, annotations), {
      fieldManager: 'storefront-cli',
    });
    return { release, secret };
  }

  /**
   * Rewrites a revision's record and status label; `guards` are `test` operations that must hold
   * (the lock holder, a resourceVersion) and `annotations` replaces the Secret's annotations.
   */
  async write(
    stored: StoredRelease,
    release: Release,
    options: { guards?: JsonPatchOp[]; annotations?: Record<string, string> } = {},
  ): Promise<StoredRelease> {
    const fresh = releaseSecret(release);
    const ops: JsonPatchOp[] = [
      ...(options.guards ?? []),
      {
        op: 'add',
        path: pointer('data', 'release'),
        value: (fresh.data as Record<string, string>)['release'],
      },
      { op: 'add', path: pointer('metadata', 'labels', RELEASE_STATUS_LABEL), value: release.status },
    ];
    if (options.annotations)
      ops.push({ op: 'add', path: pointer('metadata', 'annotations'), value: options.annotations });
    const secret = await this.client.patch(this.ref(stored.release), ops, {
      type: 'json',
      fieldManager: 'storefront-cli',
    });
    return { release, secret };
  }

  /** Patches only annotations (the heartbeat), guarded like `write`. */
  async annotate(
    release: Release,
    guards: JsonPatchOp[],
    annotations: Record<string, string>,
  ): Promise<KubeObject> {
    const ops: JsonPatchOp[] = [...guards];
    for (const [k, v] of Object.entries(annotations))
      ops.push({ op: 'add', path: pointer('metadata', 'annotations', k), value: v });
    return this.client.patch(this.ref(release), ops, { type: 'json', fieldManager: 'storefront-cli' });
  }

  async get(namespace: string, name: string, revision: number): Promise<StoredRelease | undefined> {
    const secret = await this.client.tryGet({
      ...SECRET,
      namespace,
      name: releaseSecretName(name, revision),
    });
    return secret ? { secret, release: releaseFromSecret(secret) } : undefined;
  }

  async delete(release: Release): Promise<void> {
    await this.client.delete(this.ref(release));
  }

  /** Deletes the oldest revisions beyond `max`, never the newest one or a deployed one. */
  async trim(namespace: string, name: string, max: number): Promise<number[]> {
    if (max <= 0) return [];
    const all = await this.history(namespace, name);
    const excess = all.length - max;
    const removed: number[] = [];
    for (const s of all.slice(0, Math.max(0, excess))) {
      if (s.release.status === 'deployed') continue;
      await this.delete(s.release);
      removed.push(s.release.revision);
    }
    return removed;
  }

  private ref(release: Pick<Release, 'namespace' | 'name' | 'revision'>) {
    return {
      ...SECRET,
      namespace: release.namespace,
      name: releaseSecretName(release.name, release.revision),
    };
  }
}
