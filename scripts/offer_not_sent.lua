-- Checkpoint "offer-late" on Task_SendOffer (models/deal-discussion.bpmn), on="due".
-- The commercial offer must reach the client within 2 working days
-- (sdm:dueWorking="P2D" on the task); offer_sent is recorded by the closer.
if not var('offer_sent') then
  deviation{
    severity = "high",
    message = "Commercial offer for " .. tostring(client) .. " not sent within 2 working days",
  }
end
