{{/* Chart name, at most 63 characters (a DNS label). */}}
{{- define "recotem.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-aware object name: the release name alone when it already contains the chart name. */}}
{{- define "recotem.fullname" -}}
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

{{- define "recotem.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries besides its selector labels. */}}
{{- define "recotem.commonLabels" -}}
helm.sh/chart: {{ include "recotem.chart" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: recotem
{{- end }}

{{- define "recotem.selectorLabels" -}}
app.kubernetes.io/name: {{ include "recotem.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Serve and train pods differ in the component label, so the Service, PDB and NetworkPolicy
(which select component=serve) never pick up a train pod.
*/}}
{{- define "recotem.serveSelectorLabels" -}}
{{ include "recotem.selectorLabels" . }}
app.kubernetes.io/component: serve
{{- end }}

{{- define "recotem.trainSelectorLabels" -}}
{{ include "recotem.selectorLabels" . }}
app.kubernetes.io/component: train
{{- end }}

{{- define "recotem.labels" -}}
{{ include "recotem.commonLabels" . }}
{{ include "recotem.selectorLabels" . }}
{{- end }}

{{- define "recotem.serveLabels" -}}
{{ include "recotem.commonLabels" . }}
{{ include "recotem.serveSelectorLabels" . }}
{{- end }}

{{- define "recotem.trainLabels" -}}
{{ include "recotem.commonLabels" . }}
{{ include "recotem.trainSelectorLabels" . }}
{{- end }}

{{- define "recotem.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "recotem.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image reference: a digest wins; otherwise the tag, defaulting to appVersion, never "latest". */}}
{{- define "recotem.image" -}}
{{- $tag := toString (default .Chart.AppVersion .Values.image.tag) }}
{{- if eq $tag "latest" }}
{{- fail "image.tag: \"latest\" is refused; pin an immutable version (or set image.digest)" }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* True (non-empty output) when a value is set: neither null nor an empty string. */}}
{{- define "recotem.isSet" -}}
{{- if not (kindIs "invalid" .) }}{{ if ne (toString .) "" }}true{{ end }}{{ end }}
{{- end }}

{{/*
RECOTEM_ALLOWED_HOSTS: the explicit value, else the Service's in-cluster names plus the ingress
hosts. "localhost" always comes first because the probes send Host: localhost.
*/}}
{{- define "recotem.allowedHosts" -}}
{{- $hosts := list }}
{{- if include "recotem.isSet" .Values.env.RECOTEM_ALLOWED_HOSTS }}
{{- $hosts = splitList "," (toString .Values.env.RECOTEM_ALLOWED_HOSTS) }}
{{- else }}
{{- $svc := include "recotem.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- $hosts = list "127.0.0.1" $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns .Values.clusterDomain) }}
{{- if .Values.ingress.enabled }}
{{- range .Values.ingress.hosts }}
{{- $hosts = append $hosts .host }}
{{- end }}
{{- end }}
{{- end }}
{{- $out := list "localhost" }}
{{- range $hosts }}
{{- $h := trim . }}
{{- if and $h (not (has $h $out)) }}
{{- $out = append $out $h }}
{{- end }}
{{- end }}
{{- join "," $out }}
{{- end }}

{{/* Plain env entries from a map; empty values are skipped, `skip` names are rendered elsewhere. */}}
{{- define "recotem.envFromMap" -}}
{{- $skip := .skip }}
{{- range $name, $value := .env }}
{{- if and (include "recotem.isSet" $value) (not (has $name $skip)) }}
- name: {{ $name }}
  value: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{- define "recotem.recipesVolume" -}}
{{- $src := .Values.recipes.source -}}
- name: recipes
{{- if eq $src "configMap" }}
  configMap:
    name: {{ .Values.recipes.configMap.name }}
{{- else if eq $src "pvc" }}
  persistentVolumeClaim:
    claimName: {{ .Values.recipes.pvc.claimName }}
    readOnly: {{ .Values.recipes.pvc.readOnly }}
{{- else if eq $src "objectStore" }}
  emptyDir: {}
{{- else }}
{{- fail (printf "recipes.source must be configMap, pvc or objectStore; got %q" (toString $src)) }}
{{- end }}
{{- end }}

{{/* The init container that fills the recipes emptyDir when recipes.source=objectStore. */}}
{{- define "recotem.recipesInitContainers" -}}
{{- if eq .Values.recipes.source "objectStore" }}
{{- $init := .Values.recipes.objectStore.initContainer }}
{{- if not $init }}
{{- fail "recipes.objectStore.initContainer is required when recipes.source=objectStore" }}
{{- end }}
initContainers:
  - name: sync-recipes
    {{- toYaml (omit $init "name" "volumeMounts" "securityContext") | nindent 4 }}
    securityContext:
      {{- toYaml .Values.securityContext | nindent 6 }}
    volumeMounts:
      - name: recipes
        mountPath: {{ .Values.recipes.mountPath }}
      - name: tmp
        mountPath: /tmp
{{- end }}
{{- end }}

{{/* Volumes shared by serve and train pods; the artifacts claim is mounted read-only by serve. */}}
{{- define "recotem.volumes" -}}
{{ include "recotem.recipesVolume" . }}
{{- if .Values.artifacts.enabled }}
- name: artifacts
  persistentVolumeClaim:
    claimName: {{ .Values.artifacts.pvc.claimName }}
{{- end }}
- name: tmp
  emptyDir: {}
- name: workspace
  emptyDir: {}
{{- end }}

{{- define "recotem.volumeMounts" -}}
{{- $root := .root -}}
- name: recipes
  mountPath: {{ $root.Values.recipes.mountPath }}
  readOnly: true
{{- if $root.Values.artifacts.enabled }}
- name: artifacts
  mountPath: {{ $root.Values.artifacts.mountPath }}
  readOnly: {{ .artifactsReadOnly }}
{{- end }}
- name: tmp
  mountPath: /tmp
- name: workspace
  mountPath: /workspace
{{- end }}
