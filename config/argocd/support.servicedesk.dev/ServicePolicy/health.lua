-- Argo CD health of a support.servicedesk.dev ServicePolicy.
-- Uses only Lua's base and table libraries (what argocd-cm scripts get).
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

-- describe renders a condition as "Reason: message".
local function describe(c)
  local message = c.message or ""
  if c.reason == nil or c.reason == "" then
    return message
  end
  if message == "" then
    return c.reason
  end
  return c.reason .. ": " .. message
end

local generation = obj.metadata.generation
if obj.status == nil or (generation ~= nil and (obj.status.observedGeneration or 0) < generation) then
  hs.status = "Progressing"
  if generation ~= nil then
    hs.message = "Waiting for the operator to observe generation " .. generation
  else
    hs.message = "Waiting for the operator"
  end
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

local ready = condition("Ready")
if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready)
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
  if hs.message == "" then
    hs.message = "Ready"
  end
  local complaints = obj.status.complaints
  if complaints ~= nil then
    if complaints == 1 then
      hs.message = hs.message .. "; governs 1 complaint"
    else
      hs.message = hs.message .. "; governs " .. complaints .. " complaints"
    end
  end
  return hs
end

hs.status = "Progressing"
if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
  hs.message = ready.message
else
  hs.message = "Waiting for condition Ready"
end
return hs
