-- Argo CD health of a support.servicedesk.dev Remedy: what a department
-- carries out for a complaint's agreed resolution.
--   Pending      Progressing: the department works on it (the operator sets
--                Reconciling=True, kstatus InProgress).
--   Pending, past its department's fulfilWithin (clock Breached)
--                Degraded, as Argo CD shows a Deployment past its progress
--                deadline: still expected to finish, but late, and an
--                Escalation (reason RemedyOverdue) is open for it. Unlike a
--                Complaint's breach, which is a business event shown in the
--                message, the Remedy is the department's job itself: late is
--                this object not doing what it exists for.
--   Failed       Degraded: the department could not carry it out
--                (Stalled=True, kstatus Failed).
--   Done         Healthy.
--   Cancelled    Healthy, not Suspended: it is final (its resolution was set
--                aside and the complaint goes on with a new one), nothing
--                will resume it and nobody has to act on it; kstatus calls it
--                Current. Suspended would say it waits to be resumed, and
--                argocd app wait --health would wait on it.
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

local function present(s)
  return s ~= nil and s ~= ""
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

local spec = obj.spec or {}
local department = "the department"
if present(spec.department) then
  department = spec.department
end
local what = "the remedy"
if present(spec.kind) then
  what = spec.kind
end
local clock = obj.status.clock or {}
local breached = condition("Breached")
local late = clock.state == "Breached" or (breached ~= nil and breached.status == "True")
local phase = obj.status.phase

if phase == "Failed" then
  local fulfilment = spec.fulfilment or {}
  hs.status = "Degraded"
  hs.message = "Failed: " .. department .. " could not carry out " .. what
  if present(fulfilment.by) then
    hs.message = hs.message .. " (" .. fulfilment.by .. ")"
  end
  if present(fulfilment.note) then
    hs.message = hs.message .. ": " .. fulfilment.note
  end
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

if phase == "Done" then
  local fulfilment = spec.fulfilment or {}
  hs.status = "Healthy"
  hs.message = "Done"
  if present(fulfilment.by) then
    hs.message = hs.message .. " by " .. fulfilment.by
  end
  if present(fulfilment.reference) then
    hs.message = hs.message .. " (" .. fulfilment.reference .. ")"
  end
  if late then
    hs.message = hs.message .. "; late"
    if present(clock.dueAt) then
      hs.message = hs.message .. ": it was due at " .. clock.dueAt
    end
  end
  return hs
end

if phase == "Cancelled" then
  local ready = condition("Ready")
  hs.status = "Healthy"
  hs.message = "Cancelled"
  if ready ~= nil and ready.reason == "Cancelled" and present(ready.message) then
    hs.message = describe(ready)
  end
  return hs
end

if phase == "Pending" then
  if late then
    hs.status = "Degraded"
    hs.message = "Overdue: " .. department .. " has not carried out " .. what
    if present(clock.dueAt) then
      hs.message = hs.message .. ", due at " .. clock.dueAt
    end
    if present(obj.status.escalation) then
      hs.message = hs.message .. "; escalated (" .. obj.status.escalation .. ")"
    end
    return hs
  end
  hs.status = "Progressing"
  hs.message = "Pending: " .. department .. " to carry out " .. what
  if present(clock.dueAt) then
    hs.message = hs.message .. " by " .. clock.dueAt
  end
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
