// Builds the Storefront CustomResourceDefinition from the API definition.
import { stringify } from 'yaml';
import { toOpenApi } from './openapi.ts';
import { GROUP, KIND, PLURAL, specSchema, statusSchema, VERSION } from './storefront-schema.ts';
import { nameRule } from './validate.ts';

export const CRD_NAME = `${PLURAL}.${GROUP}`;

export function buildCrd(appVersion: string): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      labels: {
        'app.kubernetes.io/name': 'storefront',
        'app.kubernetes.io/part-of': 'storefront',
        'app.kubernetes.io/version': appVersion,
      },
    },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: KIND.toLowerCase(),
        shortNames: ['sf'],
        // Not `all`: `kubectl delete all --all` must never delete shops (and, with deletionPolicy
        // Delete, their data).
        categories: ['storefront'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          // scale: `kubectl scale sf/x --replicas 4` sets spec.app.replicas, and an HPA can target
          // the Storefront (status.selector names the app Pods it averages over).
          subresources: {
            status: {},
            scale: {
              specReplicasPath: '.spec.app.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
            { name: 'App', type: 'string', jsonPath: '.status.components.app' },
            { name: 'DB', type: 'string', jsonPath: '.status.components.database' },
            { name: 'Cache', type: 'string', jsonPath: '.status.components.cache' },
            { name: 'URL', type: 'string', jsonPath: '.status.url' },
            { name: 'Host', type: 'string', jsonPath: '.spec.host', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              description:
                'A Storefront is a complete, secure e-commerce stack: front door, app servers, cache, database, network policies and TLS.',
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'APIVersion of this representation.' },
                kind: { type: 'string', description: 'Kind of this representation.' },
                metadata: { type: 'object' },
                spec: toOpenApi(specSchema),
                status: toOpenApi(statusSchema),
              },
              'x-kubernetes-validations': [{ rule: nameRule.cel, message: nameRule.message }],
            },
          },
        },
      ],
    },
  };
}

export function crdYaml(appVersion: string): string {
  // YAML 1.1 like kubectl and Helm read it: strings such as `no` come out quoted.
  return stringify(buildCrd(appVersion), { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}
