-- Argo CD health of a support.servicedesk.dev Complaint.
-- A breach is a business event, never Degraded: it shows in the message.
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

local ready = condition("Ready")
if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready)
  return hs
end

local phase = obj.status.phase
if phase == nil or phase == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to set a phase"
  return hs
end

if phase == "Closed" then
  hs.status = "Healthy"
  hs.message = "Closed"
  return hs
end

if phase == "Waiting" then
  local waitingOn = "someone"
  if obj.spec ~= nil and obj.spec.waitingOn ~= nil and obj.spec.waitingOn ~= "" then
    waitingOn = obj.spec.waitingOn
  end
  -- Clocks pause only when the policy's pauseWhile names waitingOn.
  local paused = false
  local clocks = obj.status.clocks
  if clocks ~= nil then
    for _, name in ipairs({"firstResponse", "update", "resolution"}) do
      if clocks[name] ~= nil and clocks[name].state == "Paused" then
        paused = true
      end
    end
  end
  hs.status = "Suspended"
  if paused then
    hs.message = "Waiting on " .. waitingOn .. ": clocks paused"
  else
    hs.message = "Waiting on " .. waitingOn .. ": clocks keep running"
  end
  return hs
end

-- Every other phase is Healthy, named in the message: New, Acknowledged,
-- PendingApproval, AwaitingAgreement, Implementing, Resolved, Reopened.
-- Implementing (departments carry out the agreed remedies) is Healthy, not
-- Progressing: like PendingApproval and AwaitingAgreement it waits on people
-- for hours or days, kstatus calls it Current, and Progressing would hold
-- argocd app wait --health and the next sync wave until the warehouse has
-- shipped. Each Remedy has its own health (Progressing while Pending,
-- Degraded when Failed or overdue); the message counts them.
hs.status = "Healthy"
local label = phase
if phase == "Implementing" and obj.status.remedies ~= nil then
  local total, done, failed = 0, 0, 0
  for _, r in ipairs(obj.status.remedies) do
    total = total + 1
    if r.outcome == "Done" then
      done = done + 1
    elseif r.outcome == "Failed" then
      failed = failed + 1
    end
  end
  if total > 0 then
    label = phase .. ": " .. done .. " of " .. total .. " remedies done"
    if failed > 0 then
      label = label .. ", " .. failed .. " failed"
    end
  end
end
hs.message = label
local breached = condition("Breached")
if breached ~= nil and breached.status == "True" then
  if breached.message ~= nil and breached.message ~= "" then
    hs.message = label .. "; breached: " .. breached.message
  else
    hs.message = label .. "; breached"
  end
end
return hs
