-- Argo CD health of a support.servicedesk.dev Escalation.
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

-- A ladder level its complaint announced is not written while it is Open
-- and told (status.phase reads Open, the CRD's default): told, not waiting.
local annotations = obj.metadata.annotations or {}
local untouched = annotations["support.servicedesk.dev/announced-by"] == "complaint" and obj.status ~= nil and
  obj.status.phase == "Open" and (obj.status.observedGeneration or 0) == 0 and (obj.metadata.generation or 1) == 1
local generation = obj.metadata.generation
if obj.status == nil or (not untouched and generation ~= nil and (obj.status.observedGeneration or 0) < generation) then
  hs.status = "Progressing"
  if generation ~= nil then
    hs.message = "Waiting for the operator to observe generation " .. generation
  else
    hs.message = "Waiting for the operator"
  end
  return hs
end

local notified = condition("Notified")
if notified ~= nil and notified.status == "False" and notified.reason == "DeliveryFailed" then
  hs.status = "Degraded"
  if notified.message ~= nil and notified.message ~= "" then
    hs.message = "DeliveryFailed: " .. notified.message
  else
    hs.message = "DeliveryFailed"
  end
  return hs
end

local spec = obj.spec or {}
local phase = obj.status.phase
if phase == "Open" then
  local level = "Open at level " .. tostring(spec.level or "?")
  if spec.levelName ~= nil and spec.levelName ~= "" then
    level = level .. " (" .. spec.levelName .. ")"
  end
  -- A department's overdue remedy stands apart from the ladder: its
  -- levelName is the department.
  if spec.reason == "RemedyOverdue" then
    level = "Open: remedy " .. (spec.remedyName or "?") .. " overdue"
    if spec.levelName ~= nil and spec.levelName ~= "" then
      level = level .. " at " .. spec.levelName
    end
  end
  -- Told (notifiedAt, Notified=True): the escalation waits for a person,
  -- maybe for hours. That is Argo CD's Suspended (waiting for an external
  -- event), not Progressing, so app wait --health and sync waves pass it.
  if untouched or obj.status.notifiedAt ~= nil or (notified ~= nil and notified.status == "True") then
    hs.status = "Suspended"
    hs.message = level .. ": waiting for acknowledgement"
    return hs
  end
  -- Nobody to tell: the operator's work is done, the escalation waits all
  -- the same.
  if notified ~= nil and notified.reason == "NoDestinations" then
    hs.status = "Suspended"
    hs.message = level .. ": waiting for acknowledgement"
    if notified.message ~= nil and notified.message ~= "" then
      hs.message = hs.message .. "; " .. notified.message
    end
    return hs
  end
  -- Being told: deliveries pending, or waiting for the complaint's policy
  -- (Reconciling=True, kstatus InProgress).
  hs.status = "Progressing"
  hs.message = level .. ": telling the level's destinations"
  if notified ~= nil and notified.message ~= nil and notified.message ~= "" then
    hs.message = hs.message .. ": " .. notified.message
  end
  return hs
end

if phase == "Acknowledged" then
  hs.status = "Healthy"
  hs.message = "Acknowledged"
  if spec.acknowledgement ~= nil and spec.acknowledgement.by ~= nil and spec.acknowledgement.by ~= "" then
    hs.message = "Acknowledged by " .. spec.acknowledgement.by
  end
  return hs
end

if phase == "Superseded" then
  hs.status = "Healthy"
  hs.message = "Superseded by a higher level"
  return hs
end

if phase == "Closed" then
  hs.status = "Healthy"
  hs.message = "Closed"
  return hs
end

if phase == nil or phase == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to set a phase"
  return hs
end

hs.status = "Unknown"
hs.message = "Unknown phase " .. phase
return hs
