// The Kubernetes kinds and types render builds, as plain JSON. The types are cdk8s-plus-27's
// generated API, imported as types only: nothing of cdk8s loads at run time (loading it and
// synthesising through it was a third of `storefront template`'s CPU). `Plain` turns a generated
// props type into the JSON the API server reads: quantities and int-or-strings are their values,
// and the few fields the generator renamed (`clusterIp`) carry their API names (`clusterIP`).
import type * as gen from 'cdk8s-plus-27/lib/imports/k8s.js';

/** Generated property names that differ from the API's (the generator's camel-casing of acronyms). */
interface RenamedFields {
  clusterIp: 'clusterIP';
  hostIp: 'hostIP';
  hostIpc: 'hostIPC';
  hostPid: 'hostPID';
  loadBalancerIp: 'loadBalancerIP';
  podCidr: 'podCIDR';
  podCidRs: 'podCIDRs';
  setHostnameAsFqdn: 'setHostnameAsFQDN';
  targetCpuUtilizationPercentage: 'targetCPUUtilizationPercentage';
}

type Wrapped = gen.Quantity | gen.IntOrString;

/** A generated type as the JSON the API server reads. */
export type Plain<T> = T extends Wrapped
  ? Wrapped extends T
    ? string | number
    : PlainObject<T>
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? PlainObject<T>
      : T;

type PlainObject<T> = {
  [K in keyof T as K extends keyof RenamedFields ? RenamedFields[K] : K]: Plain<T[K]>;
};

export type Affinity = Plain<gen.Affinity>;
export type Container = Plain<gen.Container>;
export type EnvVar = Plain<gen.EnvVar>;
export type IngressRule = Plain<gen.IngressRule>;
export type LabelSelector = Plain<gen.LabelSelector>;
export type NetworkPolicyPeer = Plain<gen.NetworkPolicyPeer>;
export type ObjectMeta = Plain<gen.ObjectMeta>;
export type PersistentVolumeClaimSpec = Plain<gen.PersistentVolumeClaimSpec>;
export type PodSecurityContext = Plain<gen.PodSecurityContext>;
export type PodSpec = Plain<gen.PodSpec>;
export type PodTemplateSpec = Plain<gen.PodTemplateSpec>;
export type ResourceRequirements = Plain<gen.ResourceRequirements>;
export type SecurityContext = Plain<gen.SecurityContext>;
export type Toleration = Plain<gen.Toleration>;
export type TopologySpreadConstraint = Plain<gen.TopologySpreadConstraint>;
export type Volume = Plain<gen.Volume>;

/** A kind of the Kubernetes API: its apiVersion and kind, and (as a type) the fields it takes. */
export interface Kind<Props> {
  readonly apiVersion: string;
  readonly kind: string;
  /** Never set: carries the props type for `Objects.add`. */
  readonly props?: Props;
}

const kind = <Props>(apiVersion: string, kind: string): Kind<Props> => ({ apiVersion, kind });

export const ConfigMap = kind<Plain<gen.KubeConfigMapProps>>('v1', 'ConfigMap');
export const CronJob = kind<Plain<gen.KubeCronJobProps>>('batch/v1', 'CronJob');
export const Deployment = kind<Plain<gen.KubeDeploymentProps>>('apps/v1', 'Deployment');
export const HorizontalPodAutoscaler = kind<Plain<gen.KubeHorizontalPodAutoscalerV2Props>>(
  'autoscaling/v2',
  'HorizontalPodAutoscaler',
);
export const Ingress = kind<Plain<gen.KubeIngressProps>>('networking.k8s.io/v1', 'Ingress');
export const Job = kind<Plain<gen.KubeJobProps>>('batch/v1', 'Job');
export const NetworkPolicy = kind<Plain<gen.KubeNetworkPolicyProps>>('networking.k8s.io/v1', 'NetworkPolicy');
export const PersistentVolumeClaim = kind<Plain<gen.KubePersistentVolumeClaimProps>>(
  'v1',
  'PersistentVolumeClaim',
);
export const PodDisruptionBudget = kind<Plain<gen.KubePodDisruptionBudgetProps>>(
  'policy/v1',
  'PodDisruptionBudget',
);
export const Secret = kind<Plain<gen.KubeSecretProps>>('v1', 'Secret');
export const Service = kind<Plain<gen.KubeServiceProps>>('v1', 'Service');
export const ServiceAccount = kind<Plain<gen.KubeServiceAccountProps>>('v1', 'ServiceAccount');
export const StatefulSet = kind<Plain<gen.KubeStatefulSetProps>>('apps/v1', 'StatefulSet');
