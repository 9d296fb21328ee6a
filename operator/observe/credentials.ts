// Generated credentials: read from the live Secrets, created once when absent, never rotated.
// A Secret missing from the cache is looked up on the server before anything is generated (unless
// the operator's watches know its name is free), and created with POST (not apply), so two
// reconciles racing, or a watch lagging a create, can never overwrite a password.
import type { Storefront } from '../api/types.ts';
import type { KubeObject } from '../core/object.ts';
import { isAlreadyExists } from '../kube/errors.ts';
import { type CredentialKey, generateCredential, requiredCredentials } from '../render/inputs.ts';
import { names } from '../render/names.ts';
import { renderCredentialSecrets } from '../render/render.ts';
import type { ObjectReader } from './reader.ts';

const WHERE: Record<CredentialKey, (sf: Storefront) => { secret: string; key: string }> = {
  postgresPassword: (sf) => ({ secret: names(sf).postgresCredentials, key: 'password' }),
  // A Secret of its own: installs from before the app role existed get it created, once, while
  // the superuser's Secret stays untouched.
  postgresAppPassword: (sf) => ({ secret: names(sf).postgresAppCredentials, key: 'password' }),
  redisPassword: (sf) => ({ secret: names(sf).redisCredentials, key: 'password' }),
  adminToken: (sf) => ({ secret: names(sf).appSecrets, key: 'admin-token' }),
};

/** One value of a Secret's `data`, decoded; undefined when the Secret or the key is absent. */
export function secretValue(s: KubeObject | undefined, key: string): string | undefined {
  const v = (s?.data as Record<string, string> | undefined)?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

export interface CredentialsResult {
  values: Partial<Record<CredentialKey, string>>;
  /** Secrets created by this call (for an event). */
  created: string[];
  /** Those Secrets as the API server returned them: written now, maybe not yet in a cache. */
  createdObjects: KubeObject[];
}

export interface EnsureCredentialsOptions {
  /** Manager recorded on created Secrets. */
  fieldManager: string;
  /** Create missing Secrets as a server-side dry run (`storefront diff`): values are fresh, nothing is stored. */
  dryRun?: boolean;
}

export async function ensureCredentials(
  reader: ObjectReader,
  sf: Storefront,
  namespace: string,
  owner: (obj: KubeObject) => KubeObject,
  options: EnsureCredentialsOptions,
): Promise<CredentialsResult> {
  // Each credential has a Secret of its own (WHERE): read and, when missing, create them all at
  // once, so a new Storefront waits one round trip for them, not one per credential.
  const keys = requiredCredentials(sf);
  const results = await Promise.all(
    keys.map(async (key) => {
      const { secret, key: field } = WHERE[key](sf);
      const ref = { apiVersion: 'v1', kind: 'Secret', namespace, name: secret };
      let live = await reader.beforeCreate(ref);
      let value = secretValue(live, field);
      let made = false;
      if (value === undefined && !live) {
        const fresh = renderCredentialSecrets(sf, {
          namespace,
          credentials: { [key]: generateCredential() },
        }).find((o) => o.kind === 'Secret' && o.metadata.name === secret)!;
        try {
          live = await reader.client.create(owner(fresh), {
            fieldManager: options.fieldManager,
            ...(options.dryRun ? { dryRun: true } : {}),
          });
          made = true;
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
          live = await reader.client.get(ref);
        }
        value = secretValue(live, field);
      }
      if (value === undefined) {
        throw new Error(
          `Secret ${namespace}/${secret} exists but has no "${field}" key; restore it (the value must not change) or delete the Secret to generate a new one`,
        );
      }
      return { key, value, created: made ? secret : undefined, object: made ? live : undefined };
    }),
  );
  const values: Partial<Record<CredentialKey, string>> = {};
  for (const r of results) values[r.key] = r.value;
  const created = results.map((r) => r.created).filter((c): c is string => c !== undefined);
  const createdObjects = results.map((r) => r.object).filter((o): o is KubeObject => o !== undefined);
  return { values, created, createdObjects };
}
