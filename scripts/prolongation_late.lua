-- Checkpoint "prolongation-late" on Task_Prolongation (models/development.bpmn), on="due".
-- The prolongation must be offered within 5 working days of the renewal timer
-- (sdm:dueWorking="P5D"), a month before the contract ends.
if var('renewed') == nil then
  deviation{
    severity = "high",
    message = "Prolongation not offered to " .. tostring(client) .. " within 5 working days"
      .. (defined('contract_end') and (", contract ends " .. tostring(contract_end)) or ""),
  }
end
