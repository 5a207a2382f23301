-- Checkpoint "complaint-open" on Task_HandleComplaint (models/service.bpmn), on="due".
-- A complaint must be resolved within one working day (sdm:dueWorking="P1D").
if not var('complaint_resolved') then
  deviation{
    severity = "high",
    message = "Complaint of " .. tostring(client) .. " not resolved within 1 working day",
  }
end
