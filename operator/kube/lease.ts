// coordination.k8s.io/v1 Lease reads and writes for leader election, with optimistic
// concurrency: every write names the resourceVersion it read, so of two racing writers exactly
// one wins and the other gets a conflict.

import type { KubeObject } from '../core/object.ts';
import type { KubeClient } from './client.ts';
import { isAlreadyExists, isConflict, isNotFound } from './errors.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** RFC 3339 MicroTime. */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseSnapshot {
  spec: LeaseSpec;
  resourceVersion: string;
}

/** Where a leader elector keeps its lock. `create`/`update` resolve false when another writer won. */
export interface LeaseStore {
  get(): Promise<LeaseSnapshot | undefined>;
  create(spec: LeaseSpec): Promise<LeaseSnapshot | false>;
  update(spec: LeaseSpec, resourceVersion: string): Promise<LeaseSnapshot | false>;
  describe(): string;
}

/** Lease timestamps are MicroTime: six fractional digits. */
export function toMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

type LeaseObject = KubeObject & { spec?: LeaseSpec };

export class KubeLeaseStore implements LeaseStore {
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly name: string;

  constructor(client: KubeClient, options: { namespace: string; name: string }) {
    this.client = client;
    this.namespace = options.namespace;
    this.name = options.name;
  }

  describe(): string {
    return `Lease ${this.namespace}/${this.name}`;
  }

  async get(): Promise<LeaseSnapshot | undefined> {
    const lease = await this.client.tryGet<LeaseObject>({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: this.namespace,
      name: this.name,
    });
    return lease ? snapshot(lease) : undefined;
  }

  async create(spec: LeaseSpec): Promise<LeaseSnapshot | false> {
    try {
      return snapshot(await this.client.create<LeaseObject>(this.object(spec)));
    } catch (err) {
      if (isAlreadyExists(err) || isConflict(err)) return false;
      throw err;
    }
  }

  async update(spec: LeaseSpec, resourceVersion: string): Promise<LeaseSnapshot | false> {
    const obj = this.object(spec);
    obj.metadata.resourceVersion = resourceVersion;
    try {
      return snapshot(await this.client.update<LeaseObject>(obj));
    } catch (err) {
      // Conflict: someone wrote since we read. NotFound: it was deleted since. Either way we lost.
      if (isConflict(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  private object(spec: LeaseSpec): LeaseObject {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace },
      spec,
    };
  }
}

function snapshot(lease: LeaseObject): LeaseSnapshot {
  return { spec: lease.spec ?? {}, resourceVersion: lease.metadata.resourceVersion ?? '' };
}
