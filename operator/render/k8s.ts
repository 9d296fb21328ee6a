// The generated Kubernetes API classes (KubeDeployment, KubeService, …) that render builds on —
// imported from their own file: cdk8s-plus-27's index would also load all its L2 constructs, which
// render never uses, on every `storefront template` and operator start.
export * from 'cdk8s-plus-27/lib/imports/k8s.js';
