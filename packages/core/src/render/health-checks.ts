import { LLM_SERVICE } from './api.js';

/**
 * Argo CD ships no health checks for ray.io or kro.run kinds, and none for Applications since 1.8,
 * which sync waves across an app of apps need. These Lua checks go into argocd-cm as
 * `resource.customizations.health.<group>_<kind>`.
 */

/**
 * The tail both RayService and kro instance checks end with: the Ready condition decides, and
 * without one the resource is still progressing. `healthyMessage` is said when Ready has none.
 */
function readyConditionLua(healthyMessage: string): string {
  return `if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then
      if condition.status == "True" then
        hs.status = "Healthy"
        hs.message = condition.message or "${healthyMessage}"
      else
        hs.status = "Progressing"
        hs.message = condition.message or condition.reason or "Not ready yet"
      end
      return hs
    end
  end
end
hs.status = "Progressing"
hs.message = "Waiting for the Ready condition"
return hs
`;
}

const RAY_SERVICE = `local hs = {}
if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for KubeRay to report status"
  return hs
end
local active = obj.status.activeServiceStatus
if active ~= nil and active.applicationStatuses ~= nil then
  for name, app in pairs(active.applicationStatuses) do
    if app.status == "DEPLOY_FAILED" or app.status == "UNHEALTHY" then
      hs.status = "Degraded"
      hs.message = "Serve application " .. name .. " is " .. app.status .. ": " .. (app.message or "")
      return hs
    end
  end
end
${readyConditionLua('Serving')}`;

const RAY_CLUSTER = `local hs = {}
if obj.status == nil or obj.status.state == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for KubeRay to report status"
  return hs
end
if obj.status.state == "ready" then
  hs.status = "Healthy"
  hs.message = "Ray cluster is ready"
elseif obj.status.state == "failed" then
  hs.status = "Degraded"
  hs.message = obj.status.reason or "Ray cluster failed"
elseif obj.status.state == "suspended" then
  hs.status = "Suspended"
  hs.message = "Ray cluster is suspended"
else
  hs.status = "Progressing"
  hs.message = "Ray cluster is " .. obj.status.state
end
return hs
`;

const KRO_RGD = `local hs = {}
if obj.status == nil or obj.status.state == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for kro to process the graph"
  return hs
end
if obj.status.state == "Active" then
  hs.status = "Healthy"
  hs.message = "The instance API is served"
  return hs
end
hs.status = "Degraded"
hs.message = "ResourceGraphDefinition is " .. obj.status.state
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.status == "False" and condition.message ~= nil then
      hs.message = condition.message
    end
  end
end
return hs
`;

const KRO_INSTANCE = `local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for kro to report status"
  return hs
end
if obj.status.state == "ERROR" or obj.status.state == "FAILED" then
  hs.status = "Degraded"
  hs.message = "kro reports " .. obj.status.state
  for _, condition in ipairs(obj.status.conditions) do
    if condition.status == "False" and condition.message ~= nil then
      hs.message = condition.message
    end
  end
  return hs
end
${readyConditionLua('Ready')}`;

/** From Argo CD's own documentation, to restore Application health for app-of-apps sync waves. */
const ARGO_APPLICATION = `local hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
end
return hs
`;

/** `argocd-cm` data keys → Lua, sorted by key. */
export function healthCheckData(): Record<string, string> {
  const key = (group: string, kind: string) => `resource.customizations.health.${group}_${kind}`;
  const entries: [string, string][] = [
    [key('argoproj.io', 'Application'), ARGO_APPLICATION],
    [key('kro.run', 'ResourceGraphDefinition'), KRO_RGD],
    [key(LLM_SERVICE.group, LLM_SERVICE.kind), KRO_INSTANCE],
    [key('ray.io', 'RayCluster'), RAY_CLUSTER],
    [key('ray.io', 'RayService'), RAY_SERVICE],
  ];
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
