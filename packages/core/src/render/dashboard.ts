import { LABELS, PART_OF } from './api.js';
import type { RenderSettings } from './settings.js';

/**
 * The Grafana dashboard of the models, as a ConfigMap the Grafana sidecar (kube-prometheus-stack's
 * `grafana_dashboard: "1"` label) loads.
 *
 * Metric names: vLLM's engine metrics reach Prometheus through Ray's metrics port when Ray Serve LLM
 * has `log_engine_metrics: true`; vLLM's RayPrometheusStatLogger turns the `vllm:` prefix into
 * `vllm_` (OpenTelemetry names allow no colon) and Ray prefixes every metric with `ray_`. GPU
 * utilisation is Ray's own node metric. See docs/serving.md for where each name was checked.
 */
const DASHBOARD_METRICS = {
  timeToFirstToken: 'ray_vllm_time_to_first_token_seconds',
  interTokenLatency: 'ray_vllm_inter_token_latency_seconds',
  requestsRunning: 'ray_vllm_num_requests_running',
  requestsWaiting: 'ray_vllm_num_requests_waiting',
  kvCacheUsage: 'ray_vllm_kv_cache_usage_perc',
  gpuUtilization: 'ray_node_gpus_utilization',
} as const;

export const DASHBOARD_UID = 'ray-gitops-llm';

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly targets: readonly { expr: string; legendFormat: string }[];
}

const MODEL = 'model_name=~"$model"';

function quantiles(metric: string): { expr: string; legendFormat: string }[] {
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (le, model_name) (rate(${metric}_bucket{${MODEL}}[$__rate_interval])))`,
    legendFormat: `p${Math.round(q * 100)} {{model_name}}`,
  }));
}

export function dashboardPanels(): Panel[] {
  const m = DASHBOARD_METRICS;
  return [
    { title: 'Time to first token', unit: 's', targets: quantiles(m.timeToFirstToken) },
    { title: 'Inter-token latency', unit: 's', targets: quantiles(m.interTokenLatency) },
    {
      title: 'Requests running and waiting',
      unit: 'short',
      targets: [
        { expr: `sum by (model_name) (${m.requestsRunning}{${MODEL}})`, legendFormat: 'running {{model_name}}' },
        { expr: `sum by (model_name) (${m.requestsWaiting}{${MODEL}})`, legendFormat: 'waiting {{model_name}}' },
      ],
    },
    { title: 'KV-cache use', unit: 'percentunit', targets: [{ expr: `max by (model_name) (${m.kvCacheUsage}{${MODEL}})`, legendFormat: '{{model_name}}' }] },
    {
      title: 'GPU utilisation',
      unit: 'percent',
      targets: [{ expr: `avg by (namespace, pod) (${m.gpuUtilization}{namespace="$namespace"})`, legendFormat: '{{pod}}' }],
    },
  ];
}

/** The dashboard JSON (Grafana schema 39): one time-series panel per question, two panels a row. */
function dashboardJson(settings: Pick<RenderSettings, 'namespace'>): Record<string, unknown> {
  return {
    uid: DASHBOARD_UID,
    title: 'ray-gitops LLM services',
    tags: [PART_OF, 'vllm', 'ray-serve'],
    schemaVersion: 39,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', current: {} },
        { name: 'namespace', type: 'constant', query: settings.namespace, hide: 2 },
        {
          name: 'model',
          type: 'query',
          datasource: { type: 'prometheus', uid: '$datasource' },
          query: `label_values(${DASHBOARD_METRICS.requestsRunning}, model_name)`,
          includeAll: true,
          multi: true,
          current: { text: 'All', value: '$__all' },
          refresh: 2,
        },
      ],
    },
    panels: dashboardPanels().map((panel, index) => ({
      id: index + 1,
      type: 'timeseries',
      title: panel.title,
      datasource: { type: 'prometheus', uid: '$datasource' },
      gridPos: { x: (index % 2) * 12, y: Math.floor(index / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: panel.targets.map((target, targetIndex) => ({ refId: String.fromCharCode(65 + targetIndex), ...target })),
    })),
  };
}

/** The ConfigMap the Grafana sidecar picks up by its label. */
export function dashboardConfigMap(settings: RenderSettings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${PART_OF}-llm-dashboard`,
      namespace: settings.monitoring.dashboardNamespace,
      labels: { grafana_dashboard: '1', [LABELS.partOf]: PART_OF },
    },
    data: { 'ray-gitops-llm.json': `${JSON.stringify(dashboardJson(settings), null, 2)}\n` },
  };
}
