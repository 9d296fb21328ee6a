// Storefront types, inferred from the one definition in storefront-schema.ts.

import type { Infer, InferInput } from './schema.ts';
import type { specSchema, statusSchema } from './storefront-schema.ts';

/** A spec after defaulting: what render and status work with. */
export type StorefrontSpec = Infer<typeof specSchema>;
/** A spec as users write it (defaulted fields may be left out). */
export type StorefrontSpecInput = InferInput<typeof specSchema>;
export type StorefrontStatus = Infer<typeof statusSchema>;
export type Condition = NonNullable<StorefrontStatus['conditions']>[number];

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

export interface Storefront {
  apiVersion: 'storefront.dev/v1alpha1';
  kind: 'Storefront';
  metadata: ObjectMeta;
  spec: StorefrontSpec;
  status?: StorefrontStatus;
}
