{{/* Names, labels and the image reference shared by every template. */}}

{{/* Chart name, or nameOverride. */}}
{{- define "storefront-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object name prefix: <release>-<chart> (or the release alone when it contains the chart name). */}}
{{- define "storefront-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* helm.sh/chart label value. */}}
{{- define "storefront-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: name and instance only, so selectors never change on upgrade. */}}
{{- define "storefront-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "storefront-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "storefront-operator.labels" -}}
helm.sh/chart: {{ include "storefront-operator.chart" . }}
{{ include "storefront-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: storefront
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The operator's ServiceAccount name. */}}
{{- define "storefront-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "storefront-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Repository with global.imageRegistry in place of its registry host. The first path component is
a registry host when it holds a dot or a colon or is localhost (the rule docker and containerd
use); otherwise the repository has none and the registry is prefixed.
*/}}
{{- define "storefront-operator.repository" -}}
{{- $repository := .Values.image.repository }}
{{- with (.Values.global | default dict).imageRegistry }}
{{- $parts := splitList "/" $repository }}
{{- $first := first $parts }}
{{- if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) }}
{{- $repository = join "/" (rest $parts) }}
{{- end }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository }}
{{- end }}
{{- $repository }}
{{- end }}

{{/* Image reference: repository@digest when a digest is set, else repository:tag (tag defaults to appVersion). */}}
{{- define "storefront-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" (include "storefront-operator.repository" .) .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" (include "storefront-operator.repository" .) (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* imagePullSecrets in the Pod spec's form; bare names (the chart's older form) are accepted. */}}
{{- define "storefront-operator.imagePullSecrets" -}}
{{- range .Values.imagePullSecrets }}
{{- if kindIs "string" . }}
- name: {{ . }}
{{- else }}
- name: {{ .name }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of the metrics Service (also what the helm test calls). */}}
{{- define "storefront-operator.metricsServiceName" -}}
{{- printf "%s-metrics" (include "storefront-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Cross-value rules the JSON schema cannot express. */}}
{{- define "storefront-operator.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "leaderElection.enabled=false needs replicaCount=1: two replicas without a Lease would both reconcile" }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (gt (int .Values.replicaCount) 1) (ge (int .Values.podDisruptionBudget.minAvailable) (int .Values.replicaCount)) }}
{{- fail (printf "podDisruptionBudget.minAvailable=%d must be below replicaCount=%d, or no node could ever be drained" (int .Values.podDisruptionBudget.minAvailable) (int .Values.replicaCount)) }}
{{- end }}
{{- /* Helm does not check `global` against values.schema.json, so the registry is checked here. */}}
{{- with (.Values.global | default dict).imageRegistry }}
{{- if not (regexMatch "^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$" .) }}
{{- fail (printf "global.imageRegistry=%q is not a registry host (host[:port][/path], e.g. mirror.local:5000)" .) }}
{{- end }}
{{- end }}
{{- if and .Values.serviceMonitor.enabled (not (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor")) }}
{{- fail "serviceMonitor.enabled=true but this cluster does not serve monitoring.coreos.com/v1 ServiceMonitor: install the Prometheus Operator (its CRDs) first, or set serviceMonitor.enabled=false" }}
{{- end }}
{{- end }}

{{/*
What the operator does to the API, and nothing more (see operator/controller/ and operator/kube/):
- Storefronts: list+watch (informer), patch (merge patch of metadata.finalizers), patch of the
  status subresource; update of storefronts/finalizers only because children carry an
  ownerReference with blockOwnerDeletion, which clusters running the
  OwnerReferencesPermissionEnforcement admission plugin authorize as that verb.
- The kinds a Storefront owns: list+watch (informers), create+patch (server-side apply; apply
  creates objects that do not exist yet, which is authorized as create), delete (prune, and
  deletionPolicy Delete).
- Secrets also get (credentials and the TLS CA are read back before anything is generated, and
  user-named Secrets are checked to exist) and create (credentials are POSTed, never applied).
- Pods: list only (no get, no watch, never cached): the pods of a failed backup or restore Job,
  once per Job, for the cause in their termination message (observe/job-causes.ts).
- events.k8s.io Events: create (KubeClient.createEvent).
Leases are in their own Role, in the release namespace only.
*/}}
{{- define "storefront-operator.rules" -}}
- apiGroups: ["storefront.dev"]
  resources: ["storefronts"]
  verbs: ["list", "watch", "patch"]
- apiGroups: ["storefront.dev"]
  resources: ["storefronts/status"]
  verbs: ["patch"]
- apiGroups: ["storefront.dev"]
  resources: ["storefronts/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list"]
- apiGroups: [""]
  resources: ["serviceaccounts", "configmaps", "services", "persistentvolumeclaims"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["statefulsets", "deployments"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["batch"]
  resources: ["jobs", "cronjobs"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies", "ingresses"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["cert-manager.io"]
  resources: ["certificates"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes", "referencegrants"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["postgresql.cnpg.io"]
  resources: ["clusters", "scheduledbackups"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["monitoring.coreos.com"]
  resources: ["podmonitors", "servicemonitors"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create"]
{{- end }}

{{/*
A container securityContext from values, capabilities written as flow lists (drop: ["ALL"]) the
way the rest of the chart and its YAML formatter write them.
*/}}
{{- define "storefront-operator.containerSecurityContext" -}}
{{- $rest := omit . "capabilities" }}
{{- if $rest }}
{{ toYaml $rest }}
{{- end }}
{{- with .capabilities }}
capabilities:
  {{- range $key, $list := . }}
  {{ $key }}: {{ toJson $list }}
  {{- end }}
{{- end }}
{{- end }}
