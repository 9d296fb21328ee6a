// Manifest shapes the real node's own add-ons share (CoreDNS, the front-door stand-in).

/** A one-replica Deployment whose pods carry `labels` (also its selector) and run `podSpec`. */
export function oneReplicaDeployment(
  metadata: { name: string; namespace: string; labels?: Record<string, string> },
  labels: Record<string, string>,
  podSpec: Record<string, unknown>,
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: podSpec },
    },
  };
}
