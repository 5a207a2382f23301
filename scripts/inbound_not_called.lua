-- Checkpoint "inbound-slow" on Task_CallBackInbound (models/lead-generation.bpmn), on="due".
-- An inbound request (web form, advertising, event) must be called back within
-- one working hour (sdm:dueWorking="PT1H"); a lead that waits longer cools down.
if not var('called_back') then
  deviation{
    severity = "warning",
    message = "Inbound request from " .. tostring(client) .. " (" .. tostring(source)
      .. ") not called back within an hour",
  }
end
