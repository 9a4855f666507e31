{{/*
Expand the name of the chart.
*/}}
{{- define "hello.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name, truncated at 63 characters (the DNS label limit).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "hello.fullname" -}}
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

{{/*
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "hello.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "hello.labels" -}}
helm.sh/chart: {{ include "hello.chart" . }}
{{ include "hello.selectorLabels" . }}
app.kubernetes.io/version: {{ include "hello.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels: immutable on a Deployment, so nothing here may change between releases.
*/}}
{{- define "hello.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hello.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The service account's name.
*/}}
{{- define "hello.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hello.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image tag: image.tag, else the chart's appVersion.
*/}}
{{- define "hello.tag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
The image reference: repository@digest when a digest is given, else repository:tag.
*/}}
{{- define "hello.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "hello.tag" .) }}
{{- end }}
{{- end }}

{{/*
Seconds between SIGTERM and SIGKILL: the preStop sleep, then the app's shutdown timeout, plus a margin.
*/}}
{{- define "hello.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add .Values.shutdownTimeoutSeconds .Values.preStopSleepSeconds 5 }}
{{- else }}
{{- .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/*
PromQL label matchers for this release's request series in the SLO rules: the user's selector, else what a
ServiceMonitor scrape sets (job = the Service's name, namespace), minus the excluded routes.
*/}}
{{- define "hello.sloSelector" -}}
{{- $rule := .Values.metrics.prometheusRule }}
{{- $sel := $rule.selector | default (printf "job=%q,namespace=%q" (include "hello.fullname" .) .Release.Namespace) }}
{{- if $rule.excludeRoutes }}
{{- printf "%s,route!~%q" $sel (join "|" $rule.excludeRoutes) }}
{{- else }}
{{- $sel }}
{{- end }}
{{- end }}

{{/*
The le matcher of the latency threshold's bucket: Prometheus 3 writes whole-number bucket bounds as "1.0",
Prometheus 2 as "1"; match both.
*/}}
{{- define "hello.leMatcher" -}}
{{- $t := toString .Values.metrics.prometheusRule.latencyThresholdSeconds }}
{{- if contains "." $t }}
{{- printf "le=%q" $t }}
{{- else }}
{{- printf "le=~%q" (printf "%s|%s.0" $t $t) }}
{{- end }}
{{- end }}
