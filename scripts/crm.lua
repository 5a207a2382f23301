-- Service-task handlers (sdm:handler="crm.<function>"). Each function runs with
-- the instance variables as globals; assigning a global sets a variable.
-- Identifiers are derived from the client's name so the handlers need no
-- outside system; replace the bodies with real CRM calls when there is one.
local M = {}

local function slug(s)
  local out = string.lower(tostring(s or "unknown")):gsub("[^%w]+", "-"):gsub("^-+", ""):gsub("-+$", "")
  return out
end

-- lead-generation: Task_RegisterLead
function M.register_lead()
  source = string.lower(tostring(var("source", "cold")))
  lead_id = var("lead_id") or ("lead-" .. slug(client))
end

-- lead-generation: Task_HandOver
function M.hand_over()
  lead_status = "warm"
  handed_over = true
end

-- service: Task_IssueInvoice
function M.issue_invoice()
  invoice_id = var("invoice_id") or ("inv-" .. slug(var("contract_id") or client))
  invoice_amount = var("amount")
  invoice_sent = true
end

-- development: Task_CreateCrossDeal
function M.create_deal()
  cross_deals = var('cross_deals', 0) + 1
  cross_deal_id = "deal-" .. slug(client) .. "-cross-" .. cross_deals
end

return M
