// Walks rendered objects and yields every pod template with where it came from.
import type { KubeObject } from '../../core/object.ts';

export interface PodTemplate {
  owner: string;
  labels: Record<string, string>;
  spec: any;
}

export function podTemplates(objects: KubeObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    if (o.kind === 'CronJob') {
      // A CronJob's pods come from its Job template.
      const job = (o.spec as { jobTemplate: { spec: { template: { metadata?: any; spec: unknown } } } })
        .jobTemplate.spec.template;
      out.push({ owner: `CronJob/${o.metadata.name}`, labels: job.metadata?.labels ?? {}, spec: job.spec });
      continue;
    }
    const spec = o.spec as
      | { template?: { metadata?: { labels?: Record<string, string> }; spec: unknown } }
      | undefined;
    if (['Deployment', 'StatefulSet', 'Job', 'DaemonSet', 'ReplicaSet'].includes(o.kind) && spec?.template) {
      out.push({
        owner: `${o.kind}/${o.metadata.name}`,
        labels: spec.template.metadata?.labels ?? {},
        spec: spec.template.spec,
      });
    }
  }
  return out;
}
