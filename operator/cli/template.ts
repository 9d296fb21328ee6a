// `storefront template`: render Storefronts to stdout without touching a cluster.
import type { Storefront } from '../api/types.ts';
import { GATEWAY_LIMITS_NOTE } from '../render/gateway-routes.ts';
import { generateCredential, requiredCredentials } from '../render/inputs.ts';
import { names } from '../render/names.ts';
import { type KubeObject, render } from '../render/render.ts';
import { toYaml } from './yaml-emit.ts';

export interface TemplateOptions {
  namespace?: string;
  output: 'yaml' | 'json';
  /** Include generated credential Secrets with fresh random values (output then differs per run). */
  includeSecrets: boolean;
}

export function templateObjects(
  storefronts: Storefront[],
  opts: TemplateOptions,
): { objects: KubeObject[]; notes: string[] } {
  const objects: KubeObject[] = [];
  const notes: string[] = [];
  for (const sf of storefronts) {
    const namespace = opts.namespace ?? sf.metadata.namespace ?? 'default';
    const credentials = opts.includeSecrets
      ? Object.fromEntries(requiredCredentials(sf).map((k) => [k, generateCredential()]))
      : {};
    objects.push(...render(sf, { namespace, credentials }));
    if (!opts.includeSecrets && requiredCredentials(sf).length) {
      const n = names(sf);
      const secrets = [
        sf.spec.database.mode === 'managed' ? n.postgresCredentials : undefined,
        sf.spec.database.mode === 'managed' ? n.postgresAppCredentials : undefined,
        sf.spec.cache.mode === 'managed' ? n.redisCredentials : undefined,
        sf.spec.app.adminTokenSecret ? undefined : n.appSecrets,
      ].filter(Boolean);
      notes.push(
        `note: ${sf.metadata.name}: generated credential Secrets (${secrets.join(', ')}) are left out so the output stays the same on every run; the operator and \`storefront install\` create them once. Pass --include-secrets to print freshly generated ones.`,
      );
    }
    if (sf.spec.ingress.provider === 'gatewayAPI')
      notes.push(`note: ${sf.metadata.name}: provider gatewayAPI: ${GATEWAY_LIMITS_NOTE}.`);
    if (sf.spec.ingress.tls.mode === 'selfSigned') {
      notes.push(
        `note: ${sf.metadata.name}: the selfSigned TLS Secret ${names(sf).tlsSecret} is issued by the operator/installer and is not printed.`,
      );
    }
  }
  return { objects, notes };
}

export function formatObjects(objects: KubeObject[], output: 'yaml' | 'json'): string {
  if (output === 'json')
    return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  return objects.map(toYaml).join('---\n');
}
