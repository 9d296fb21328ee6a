// One line of `storefront doctor`'s answer, and what a check is handed: the cluster and, when a
// Storefront is named or given with -f, its spec and who deploys it.
import type { Storefront } from '../api/types.ts';
import type { KubeObject } from '../core/object.ts';
import { isForbidden } from '../kube/errors.ts';
import type { DeployContext } from './context.ts';

export type Level = 'OK' | 'WARN' | 'FAIL';
export interface Finding {
  check: string;
  level: Level;
  message: string;
  /** What to do about a WARN or FAIL. */
  fix?: string;
}

/**
 * The Storefront doctor judges the cluster against, and how it gets there: a release of
 * `storefront install`, an object applied with kubectl (reconciled by the operator), or a spec
 * file not deployed yet (-f, as install would deploy it).
 */
export interface Target {
  sf: Storefront;
  via: 'release' | 'kubectl' | 'file';
}

export type Deployment = KubeObject & {
  spec?: {
    replicas?: number;
    template?: {
      spec?: {
        containers?: { name: string; command?: string[]; args?: string[] }[];
      };
    };
  };
  status?: { readyReplicas?: number };
};

/** What more than one check needs, read once: the operator Deployments (undefined: forbidden). */
export interface Facts {
  operators: Deployment[] | undefined;
}

export type Check = (ctx: DeployContext, target: Target | undefined, facts: Facts) => Promise<Finding[]>;

export const ok = (check: string, message: string): Finding => ({ check, level: 'OK', message });
export const warn = (check: string, message: string, fix: string): Finding => ({
  check,
  level: 'WARN',
  message,
  fix,
});
export const fail = (check: string, message: string, fix: string): Finding => ({
  check,
  level: 'FAIL',
  message,
  fix,
});

/** For a read's .catch: forbidden becomes null (the check then says it could not look), anything else is thrown on. */
export const nullIfForbidden = (e: unknown): null => {
  if (isForbidden(e)) return null;
  throw e;
};
