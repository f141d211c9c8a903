{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "siyu.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name. */}}
{{- define "siyu.fullname" -}}
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

{{- define "siyu.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "siyu.selectorLabels" -}}
app.kubernetes.io/name: {{ include "siyu.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "siyu.labels" -}}
helm.sh/chart: {{ include "siyu.chart" . }}
{{ include "siyu.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: siyu
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "siyu.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "siyu.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "siyu.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end }}

{{- define "siyu.isSqlite" -}}
{{- if eq .Values.database.backend "sqlite" }}true{{ end }}
{{- end }}

{{- define "siyu.pvcName" -}}
{{- default (printf "%s-data" (include "siyu.fullname" .)) .Values.database.sqlite.persistence.existingClaim }}
{{- end }}

{{- define "siyu.scheme" -}}
{{- if .Values.tls.existingSecret }}HTTPS{{ else }}HTTP{{ end }}
{{- end }}

{{/*
Guards: refuse value combinations that cannot work, with a message that says what to change.
*/}}
{{- define "siyu.validate" -}}
{{- $sqlite := eq .Values.database.backend "sqlite" }}
{{- if and $sqlite (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "database.backend=sqlite supports exactly one replica (the database is one file on one volume), but replicaCount=%d. Use replicaCount=1, or database.backend=postgres for several replicas." (int .Values.replicaCount)) }}
{{- end }}
{{- if and $sqlite .Values.autoscaling.enabled }}
{{- fail "autoscaling.enabled=true needs database.backend=postgres: SQLite mode runs exactly one replica." }}
{{- end }}
{{- if and (not $sqlite) (not .Values.database.postgres.existingSecret) }}
{{- fail "database.backend=postgres needs database.postgres.existingSecret: the name of a Secret whose key (database.postgres.urlKey) holds the postgres:// URL." }}
{{- end }}
{{- if and (eq .Values.config.mode "production") (not .Values.vault.existingSecret) }}
{{- fail "config.mode=production needs vault.existingSecret: a Secret with the KEK and the blind-index key (docs/operations.md, 'Keys')." }}
{{- end }}
{{- if and .Values.autoscaling.enabled (lt (int .Values.autoscaling.maxReplicas) (int .Values.autoscaling.minReplicas)) }}
{{- fail "autoscaling.maxReplicas must not be below autoscaling.minReplicas." }}
{{- end }}
{{- range $name := list "sms" "crm" }}
{{- $cfg := default dict (get $.Values.config $name) }}
{{- if and (get $cfg "base_url") (not (get (get $.Values $name) "existingSecret")) }}
{{- fail (printf "config.%s.base_url is set but %s.existingSecret is not: the %s needs a bearer token, from a Secret whose key %s.tokenKey holds it." $name $name (ternary "SMS gateway" "CRM" (eq $name "sms")) $name) }}
{{- end }}
{{- end }}
{{- if and .Values.outbound.enabled (not .Values.outbound.existingClaim) }}
{{- fail "outbound.enabled=true needs outbound.existingClaim: the PVC that holds the outbound folder other systems pick files up from." }}
{{- end }}
{{- if and .Values.inbound.enabled (not .Values.inbound.existingClaim) }}
{{- fail "inbound.enabled=true needs inbound.existingClaim: the PVC that holds the inbound folder core banking or the data warehouse drops batch files into." }}
{{- end }}
{{- if and (include "siyu.inboundLayouts" .) (not .Values.inbound.enabled) }}
{{- fail "inbound.layouts are set but inbound.enabled is not: the layouts are for the watched inbound folder's files. Set inbound.enabled=true (with inbound.existingClaim), or pass the layout to `siyu import --layout` instead." }}
{{- end }}
{{- if and .Values.inbound.enabled .Values.outbound.enabled (eq (clean .Values.inbound.mountPath) (clean .Values.outbound.mountPath)) }}
{{- fail (printf "inbound.mountPath and outbound.mountPath are both %s: siyu would import the files it delivers. Give the two folders different mount paths." .Values.inbound.mountPath) }}
{{- end }}
{{- range .Values.wecom.corps }}
{{- if not .existingSecret }}
{{- fail (printf "wecom.corps[%s] needs existingSecret: the Secret with its secret, token and encoding AES key." .name) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A TOML renderer that keeps integers integers. Helm reads every number in values as float64, and the built-in
toToml prints 1048576 as 1.048576e+06, which siyu's typed configuration rejects. Nulls and empty strings are
left out (siyu's defaults then apply).
*/}}
{{- define "siyu.tomlValue" -}}
{{- $k := kindOf . -}}
{{- if eq $k "string" -}}
{{ toJson . }}
{{- else if eq $k "bool" -}}
{{ . }}
{{- else if or (eq $k "float64") (eq $k "float32") -}}
{{- if eq (float64 (int64 .)) (float64 .) }}{{ int64 . }}{{ else }}{{ . }}{{ end -}}
{{- else if hasPrefix "int" $k -}}
{{ . }}
{{- else if hasPrefix "uint" $k -}}
{{ . }}
{{- else if eq $k "slice" -}}
[{{ range $i, $e := . }}{{ if $i }}, {{ end }}{{ include "siyu.tomlValue" $e }}{{ end }}]
{{- else -}}
{{ fail (printf "cannot render %v (%s) as TOML" . $k) }}
{{- end -}}
{{- end }}

{{- define "siyu.tomlIsTableArray" -}}
{{- if and (eq (kindOf .) "slice") (gt (len .) 0) }}{{ if eq (kindOf (first .)) "map" }}true{{ end }}{{ end }}
{{- end }}

{{- define "siyu.tomlTable" -}}
{{- $path := .path }}
{{- $t := .table }}
{{- range $k := keys $t | sortAlpha }}
{{- $v := get $t $k }}
{{- if and (ne (kindOf $v) "invalid") (ne (kindOf $v) "map") (not (include "siyu.tomlIsTableArray" $v)) (not (and (eq (kindOf $v) "string") (eq $v ""))) }}
{{ $k }} = {{ include "siyu.tomlValue" $v }}
{{- end }}
{{- end }}
{{- range $k := keys $t | sortAlpha }}
{{- $v := get $t $k }}
{{- $p := ternary $k (printf "%s.%s" $path $k) (eq $path "") }}
{{- if eq (kindOf $v) "map" }}

[{{ $p }}]
{{- include "siyu.tomlTable" (dict "path" $p "table" $v) }}
{{- else if include "siyu.tomlIsTableArray" $v }}
{{- range $e := $v }}

[[{{ $p }}]]
{{- include "siyu.tomlTable" (dict "path" $p "table" $e) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The inbound folder's layouts given inline: "true" when there is at least one. */}}
{{- define "siyu.inboundLayouts" -}}
{{- $l := default dict .Values.inbound.layouts }}
{{- if or $l.customers $l.holdings }}true{{ end }}
{{- end }}

{{/* Where the layouts ConfigMap is mounted (read-only): <dir>/customers.toml, <dir>/holdings.toml. */}}
{{- define "siyu.layoutsDir" -}}/etc/siyu/layouts{{- end }}

{{/* Paths where secrets are mounted (read-only, mode 0440, group 10001). */}}
{{- define "siyu.secretDir" -}}/etc/siyu/secrets{{- end }}

{{/*
The effective siyu configuration: .Values.config plus what the chart decides (listen address, data dir,
SQLite URL, file paths of mounted secrets). Secrets themselves never appear here, only their paths.
*/}}
{{- define "siyu.config" -}}
{{- $c := deepCopy .Values.config }}
{{- $sqlite := eq .Values.database.backend "sqlite" }}
{{- $dir := include "siyu.secretDir" . }}
{{- $server := default dict (get $c "server") }}
{{- $_ := set $server "bind" "0.0.0.0:8080" }}
{{- if .Values.tls.existingSecret }}
{{- $_ := set $server "tls" (dict "cert_file" "/etc/siyu/tls/tls.crt" "key_file" "/etc/siyu/tls/tls.key") }}
{{- end }}
{{- $_ := set $c "server" $server }}
{{- $_ := set $c "data" (dict "dir" "/var/lib/siyu") }}
{{- $db := default dict (get $c "database") }}
{{- if $sqlite }}
{{- $_ := set $db "url" "sqlite:///var/lib/siyu/siyu.db" }}
{{- $_ := set $db "migrate_on_start" true }}
{{- else }}
{{- $_ := set $db "url_file" (printf "%s/database/%s" $dir .Values.database.postgres.urlKey) }}
{{- $_ := set $db "migrate_on_start" (not .Values.migration.enabled) }}
{{- end }}
{{- $_ := set $c "database" $db }}
{{- $vault := default dict (get $c "vault") }}
{{- if .Values.vault.existingSecret }}
{{- $_ := set $vault "kek_file" (printf "%s/vault/%s" $dir .Values.vault.kekKey) }}
{{- $_ := set $vault "index_key_file" (printf "%s/vault/%s" $dir .Values.vault.indexKeyKey) }}
{{- end }}
{{- $_ := set $c "vault" $vault }}
{{- if .Values.smtp.existingSecret }}
{{- $smtp := default dict (get $c "smtp") }}
{{- $_ := set $smtp "password_file" (printf "%s/smtp/%s" $dir .Values.smtp.passwordKey) }}
{{- $_ := set $c "smtp" $smtp }}
{{- end }}
{{- range $name := list "sms" "crm" }}
{{- $v := get $.Values $name }}
{{- $sect := default dict (get $c $name) }}
{{- if $v.existingSecret }}{{ $_ := set $sect "token_file" (printf "%s/%s/%s" $dir $name $v.tokenKey) }}{{ end }}
{{- if $v.caSecret }}{{ $_ := set $sect "ca_file" (printf "/etc/siyu/%s-ca/ca.crt" $name) }}{{ end }}
{{- if $sect }}{{ $_ := set $c $name $sect }}{{ end }}
{{- end }}
{{- if .Values.outbound.enabled }}
{{- $_ := set $c "outbound" (dict "dir" .Values.outbound.mountPath) }}
{{- end }}
{{- if .Values.inbound.enabled }}
{{- /* Added to the user's config.import keys (thresholds, patterns, encoding), never in place of them. */}}
{{- $import := default dict (get $c "import") }}
{{- $_ := set $import "inbound_dir" .Values.inbound.mountPath }}
{{- range $name := list "customers" "holdings" }}
{{- if get (default dict $.Values.inbound.layouts) $name }}
{{- $_ := set $import (printf "inbound_%s_layout" $name) (printf "%s/%s.toml" (include "siyu.layoutsDir" $) $name) }}
{{- end }}
{{- end }}
{{- $_ := set $c "import" $import }}
{{- end }}
{{- $wecom := dict }}
{{- with .Values.wecom.httpProxy }}{{ $_ := set $wecom "http_proxy" . }}{{ end }}
{{- with .Values.wecom.caSecret }}{{ $_ := set $wecom "ca_file" "/etc/siyu/wecom-ca/ca.crt" }}{{ end }}
{{- $corps := list }}
{{- range .Values.wecom.corps }}
{{- $corp := dict "name" .name "corp_id" .corpId }}
{{- $cd := printf "%s/wecom/%s" $dir .name }}
{{- $_ := set $corp "secret_file" (printf "%s/%s" $cd (default "secret" .secretKey)) }}
{{- $_ := set $corp "token_file" (printf "%s/%s" $cd (default "token" .tokenKey)) }}
{{- $_ := set $corp "encoding_aes_key_file" (printf "%s/%s" $cd (default "encoding-aes-key" .encodingAesKeyKey)) }}
{{- with .apiBase }}{{ $_ := set $corp "api_base" . }}{{ end }}
{{- if hasKey . "callbackMaxAgeSecs" }}{{ $_ := set $corp "callback_max_age_secs" .callbackMaxAgeSecs }}{{ end }}
{{- $corps = append $corps $corp }}
{{- end }}
{{- if $corps }}{{ $_ := set $wecom "corps" $corps }}{{ end }}
{{- if $wecom }}{{ $_ := set $c "wecom" $wecom }}{{ end }}
{{- include "siyu.tomlTable" (dict "path" "" "table" $c) }}
{{- end }}

{{/* Volumes holding secrets, shared by the Deployment and the migration Job. */}}
{{- define "siyu.secretVolumes" -}}
{{- if ne .Values.database.backend "sqlite" }}
- name: secret-database
  secret:
    secretName: {{ .Values.database.postgres.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .Values.database.postgres.urlKey }}
        path: {{ .Values.database.postgres.urlKey }}
{{- with .Values.database.postgres.caSecret }}
- name: pg-ca
  secret:
    secretName: {{ . }}
    defaultMode: 0444
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- end }}
{{- if .Values.vault.existingSecret }}
- name: secret-vault
  secret:
    secretName: {{ .Values.vault.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .Values.vault.kekKey }}
        path: {{ .Values.vault.kekKey }}
      - key: {{ .Values.vault.indexKeyKey }}
        path: {{ .Values.vault.indexKeyKey }}
{{- end }}
{{- if .Values.smtp.existingSecret }}
- name: secret-smtp
  secret:
    secretName: {{ .Values.smtp.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .Values.smtp.passwordKey }}
        path: {{ .Values.smtp.passwordKey }}
{{- end }}
{{- range $name := list "sms" "crm" }}
{{- $v := get $.Values $name }}
{{- if $v.existingSecret }}
- name: secret-{{ $name }}
  secret:
    secretName: {{ $v.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ $v.tokenKey }}
        path: {{ $v.tokenKey }}
{{- end }}
{{- if $v.caSecret }}
- name: {{ $name }}-ca
  secret:
    secretName: {{ $v.caSecret }}
    defaultMode: 0444
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- end }}
{{- range .Values.wecom.corps }}
- name: secret-wecom-{{ .name | lower | replace "_" "-" }}
  secret:
    secretName: {{ .existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ default "secret" .secretKey }}
        path: {{ default "secret" .secretKey }}
      - key: {{ default "token" .tokenKey }}
        path: {{ default "token" .tokenKey }}
      - key: {{ default "encoding-aes-key" .encodingAesKeyKey }}
        path: {{ default "encoding-aes-key" .encodingAesKeyKey }}
{{- end }}
{{- with .Values.wecom.caSecret }}
- name: wecom-ca
  secret:
    secretName: {{ . }}
    defaultMode: 0444
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- with .Values.bootstrapAdmin.existingSecret }}
- name: secret-bootstrap
  secret:
    secretName: {{ . }}
    defaultMode: 0440
    items:
      - key: {{ $.Values.bootstrapAdmin.passwordKey }}
        path: password
{{- end }}
{{- with .Values.tls.existingSecret }}
- name: tls
  secret:
    secretName: {{ . }}
    defaultMode: 0440
{{- end }}
{{- end }}

{{- define "siyu.secretMounts" -}}
{{- $dir := include "siyu.secretDir" . }}
{{- if ne .Values.database.backend "sqlite" }}
- name: secret-database
  mountPath: {{ $dir }}/database
  readOnly: true
{{- if .Values.database.postgres.caSecret }}
- name: pg-ca
  mountPath: /etc/siyu/pg-ca
  readOnly: true
{{- end }}
{{- end }}
{{- if .Values.vault.existingSecret }}
- name: secret-vault
  mountPath: {{ $dir }}/vault
  readOnly: true
{{- end }}
{{- if .Values.smtp.existingSecret }}
- name: secret-smtp
  mountPath: {{ $dir }}/smtp
  readOnly: true
{{- end }}
{{- range $name := list "sms" "crm" }}
{{- $v := get $.Values $name }}
{{- if $v.existingSecret }}
- name: secret-{{ $name }}
  mountPath: {{ $dir }}/{{ $name }}
  readOnly: true
{{- end }}
{{- if $v.caSecret }}
- name: {{ $name }}-ca
  mountPath: /etc/siyu/{{ $name }}-ca
  readOnly: true
{{- end }}
{{- end }}
{{- range .Values.wecom.corps }}
- name: secret-wecom-{{ .name | lower | replace "_" "-" }}
  mountPath: {{ $dir }}/wecom/{{ .name }}
  readOnly: true
{{- end }}
{{- if .Values.wecom.caSecret }}
- name: wecom-ca
  mountPath: /etc/siyu/wecom-ca
  readOnly: true
{{- end }}
{{- if .Values.bootstrapAdmin.existingSecret }}
- name: secret-bootstrap
  mountPath: {{ $dir }}/bootstrap
  readOnly: true
{{- end }}
{{- if .Values.tls.existingSecret }}
- name: tls
  mountPath: /etc/siyu/tls
  readOnly: true
{{- end }}
{{- end }}

{{/*
Environment: the secrets' file paths as SIYU__…_FILE (they win over the TOML file), so an operator can see at a
glance in `kubectl describe` where each secret comes from. Values are paths, never secrets.
*/}}
{{- define "siyu.env" -}}
{{- $dir := include "siyu.secretDir" . }}
- name: SIYU__SERVER__BIND
  value: "0.0.0.0:8080"
# Also in siyu.toml; repeated here so that `kubectl exec … siyu <command>` without --config opens the same database.
- name: SIYU__MODE
  value: {{ .Values.config.mode | default "production" | quote }}
- name: SIYU__DATA__DIR
  value: "/var/lib/siyu"
{{- if eq .Values.database.backend "sqlite" }}
- name: SIYU__DATABASE__URL
  value: "sqlite:///var/lib/siyu/siyu.db"
{{- end }}
{{- if ne .Values.database.backend "sqlite" }}
- name: SIYU__DATABASE__URL_FILE
  value: {{ printf "%s/database/%s" $dir .Values.database.postgres.urlKey | quote }}
{{- end }}
{{- if .Values.vault.existingSecret }}
- name: SIYU__VAULT__KEK_FILE
  value: {{ printf "%s/vault/%s" $dir .Values.vault.kekKey | quote }}
- name: SIYU__VAULT__INDEX_KEY_FILE
  value: {{ printf "%s/vault/%s" $dir .Values.vault.indexKeyKey | quote }}
{{- end }}
{{- if .Values.smtp.existingSecret }}
- name: SIYU__SMTP__PASSWORD_FILE
  value: {{ printf "%s/smtp/%s" $dir .Values.smtp.passwordKey | quote }}
{{- end }}
{{- if .Values.sms.existingSecret }}
- name: SIYU__SMS__TOKEN_FILE
  value: {{ printf "%s/sms/%s" $dir .Values.sms.tokenKey | quote }}
{{- end }}
{{- if .Values.crm.existingSecret }}
- name: SIYU__CRM__TOKEN_FILE
  value: {{ printf "%s/crm/%s" $dir .Values.crm.tokenKey | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}
