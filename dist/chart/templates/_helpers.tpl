{{/*
The chart's name, and the app.kubernetes.io/name label of everything it
installs. Fixed: the ServiceMonitor takes Prometheus's job label from it
(job="servicedesk-operator"), which the alerts and the dashboard select.
*/}}
{{- define "servicedesk-operator.name" -}}
{{- .Chart.Name -}}
{{- end }}

{{/*
The prefix of every name: fullnameOverride, else the release name if it
contains the chart's name, else <release>-<chart>.
*/}}
{{- define "servicedesk-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 55 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 55 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 55 | trimSuffix "-" -}}
{{- end -}}
{{- end }}

{{/* Labels of everything the chart installs. */}}
{{- define "servicedesk-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "servicedesk-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "servicedesk-operator.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels that select the manager's pods (the Deployment, the metrics Service,
the NetworkPolicy, the PodDisruptionBudget); the pods, the Deployment and
the Service carry them.
*/}}
{{- define "servicedesk-operator.selectorLabels" -}}
control-plane: controller-manager
app.kubernetes.io/name: {{ include "servicedesk-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The manager's service account. */}}
{{- define "servicedesk-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "servicedesk-operator.fullname" .) -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end }}

{{/* The image tag: image.tag, else the chart's appVersion. */}}
{{- define "servicedesk-operator.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end }}

{{/* The manager's image: repository:tag, or repository@digest. */}}
{{- define "servicedesk-operator.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (include "servicedesk-operator.imageTag" .) -}}
{{- end -}}
{{- end }}
