{{/* Chart name, overridable. */}}
{{- define "csp-upgrades.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name: release-chart, or the release alone when it already holds the chart name. */}}
{{- define "csp-upgrades.fullname" -}}
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

{{- define "csp-upgrades.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that never change over the release's life: the Deployment selector. */}}
{{- define "csp-upgrades.selectorLabels" -}}
app.kubernetes.io/name: {{ include "csp-upgrades.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "csp-upgrades.labels" -}}
helm.sh/chart: {{ include "csp-upgrades.chart" . }}
{{ include "csp-upgrades.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: api
app.kubernetes.io/part-of: csp-upgrades
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "csp-upgrades.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "csp-upgrades.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "csp-upgrades.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "csp-upgrades.secretName" -}}
{{- if .Values.secret.create }}
{{- include "csp-upgrades.fullname" . }}
{{- else }}
{{- .Values.secret.existingSecret }}
{{- end }}
{{- end }}

{{/* Where the JWKS entry of the Secret is mounted. */}}
{{- define "csp-upgrades.jwksDir" -}}
/etc/csp-upgrades/jwks
{{- end }}

{{/* Where an overriding catalog is mounted. */}}
{{- define "csp-upgrades.catalogDir" -}}
/etc/csp-upgrades/catalog
{{- end }}

{{/* The writable data directory (an emptyDir): SQLite and the dev key in demo mode. */}}
{{- define "csp-upgrades.dataDir" -}}
/var/lib/csp-upgrades
{{- end }}

{{/*
Combinations that would deploy something broken fail the render with a
message saying what to set, instead of failing later in the cluster.
*/}}
{{- define "csp-upgrades.validate" -}}
{{- $v := .Values }}
{{- if $v.demo.enabled }}
{{- if or (gt (int $v.replicaCount) 1) $v.autoscaling.enabled }}
{{- fail "demo.enabled keeps a SQLite database and a signing key inside each pod: set replicaCount=1 and autoscaling.enabled=false" }}
{{- end }}
{{- else }}
{{- if and $v.secret.create (not $v.secret.databaseUrl) }}
{{- fail "set secret.databaseUrl (postgres://...) or secret.create=false with secret.existingSecret, or demo.enabled=true for a throw-away demo pod" }}
{{- end }}
{{- if and $v.secret.create (not $v.secret.jwks) }}
{{- fail "set secret.jwks (the JWKS document that verifies bearer tokens, e.g. --set-file secret.jwks=keys.json)" }}
{{- end }}
{{- if not $v.config.jwtIssuer }}
{{- fail "set config.jwtIssuer (the required iss claim of bearer tokens)" }}
{{- end }}
{{- if and (not $v.secret.create) (not $v.secret.existingSecret) }}
{{- fail "secret.create=false needs secret.existingSecret" }}
{{- end }}
{{- end }}
{{- if not (has $v.scheduledRunner.mode (list "server" "cronjob")) }}
{{- fail "scheduledRunner.mode must be server or cronjob" }}
{{- end }}
{{- if and $v.demo.enabled (eq $v.scheduledRunner.mode "cronjob") }}
{{- fail "scheduledRunner.mode=cronjob needs a shared database: the demo pod's SQLite file is its own; use mode=server" }}
{{- end }}
{{- if and (eq $v.scheduledRunner.mode "server") (lt (int64 $v.scheduledRunner.intervalMs) 1) }}
{{- fail "scheduledRunner.intervalMs must be at least 1 with mode=server (use mode=cronjob to run them elsewhere)" }}
{{- end }}
{{- if lt (int $v.config.shutdownGraceSecs) 1 }}
{{- fail "config.shutdownGraceSecs must be at least 1" }}
{{- end }}
{{- /* The server exits at most shutdownGraceSecs after SIGTERM, sooner when
       every call ends first: a call lasts requestTimeoutSecs at most (0: no limit). */}}
{{- $drain := int $v.config.shutdownGraceSecs }}
{{- $timeout := int $v.config.requestTimeoutSecs }}
{{- if and (gt $timeout 0) (lt $timeout $drain) }}
{{- $drain = $timeout }}
{{- end }}
{{- $total := add (int $v.lifecycle.preStopSleepSeconds) $drain }}
{{- if le (int $v.terminationGracePeriodSeconds) (int $total) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed lifecycle.preStopSleepSeconds + the drain, config.shutdownGraceSecs or config.requestTimeoutSecs if shorter (%d), or in-flight calls are killed" (int $v.terminationGracePeriodSeconds) (int $total)) }}
{{- end }}
{{- end }}
