// What render needs besides the spec. Everything observed or random lives here, so that render
// itself stays a pure function: same spec + same inputs -> the same bytes.
import { randomBytes } from 'node:crypto';
import type { Storefront } from '../api/types.ts';

export type CredentialKey = 'postgresPassword' | 'postgresAppPassword' | 'redisPassword' | 'adminToken';

export interface RenderInputs {
  /** Namespace of the Storefront (objects are rendered into it). */
  namespace: string;
  /**
   * Credential values: read from the live Secrets when they exist, generated once otherwise — by
   * the caller, never by render. A credential missing here leaves its Secret out of the output.
   */
  credentials: Partial<Record<CredentialKey, string>>;
  /** The selfSigned-mode certificate the operator issued (PEM); absent = the TLS Secrets are left out. */
  tls?: {
    certificate: string;
    privateKey: string;
    caCertificate: string;
    caPrivateKey?: string;
    notAfter?: string;
  };
  /** The live claim-template size of the Postgres StatefulSet (that field is immutable there). */
  observedPostgresVolumeSize?: string;
  /**
   * spec.database.restore: the restore Job succeeded (or the app already runs, so it did once).
   * Until then the migration Job and the app workload are not rendered.
   */
  restoreComplete?: boolean;
}

/** Which credentials a Storefront needs generated (the ones it does not take from user Secrets). */
export function requiredCredentials(sf: Storefront): CredentialKey[] {
  const keys: CredentialKey[] = [];
  if (sf.spec.database.mode === 'managed') keys.push('postgresPassword', 'postgresAppPassword');
  if (sf.spec.cache.mode === 'managed') keys.push('redisPassword');
  if (!sf.spec.app.adminTokenSecret) keys.push('adminToken');
  return keys;
}

/** A new random credential: 32 URL-safe characters (192 bits), safe inside URLs and configs. */
export function generateCredential(): string {
  return randomBytes(24).toString('base64url');
}
