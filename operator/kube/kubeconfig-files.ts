// Which kubeconfig files to read and how to merge them, as kubectl does — pure, so it is tested
// without a cluster (config.ts reads the files; delegated-auth.ts hands the same merge to client-node).
import { delimiter, join } from 'node:path';

interface Named {
  name: string;
}

export interface KubeconfigParts<C extends Named = Named, U extends Named = Named, X extends Named = Named> {
  clusters: C[];
  users: U[];
  contexts: X[];
  currentContext: string;
}

/**
 * The files kubectl reads: every entry of `KUBECONFIG` (split on the path delimiter, empty entries
 * dropped), else `~/.kube/config`. Missing files are skipped by the caller, as kubectl does.
 */
export function kubeconfigCandidates(env: NodeJS.ProcessEnv, home: string): string[] {
  const list = (env['KUBECONFIG'] ?? '').split(delimiter).filter(Boolean);
  return list.length ? [...new Set(list)] : [join(home, '.kube', 'config')];
}

/**
 * kubectl's merge of a KUBECONFIG list: the first file to define a cluster, user or context by a
 * name wins, and so does the first non-empty current-context.
 */
export function mergeKubeconfigs<C extends Named, U extends Named, X extends Named>(
  parts: KubeconfigParts<C, U, X>[],
): KubeconfigParts<C, U, X> {
  const firstByName = <T extends Named>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  return {
    clusters: firstByName(parts.map((p) => p.clusters)),
    users: firstByName(parts.map((p) => p.users)),
    contexts: firstByName(parts.map((p) => p.contexts)),
    currentContext: parts.find((p) => p.currentContext)?.currentContext ?? '',
  };
}
