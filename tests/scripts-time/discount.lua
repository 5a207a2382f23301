-- Checkpoint rule (on leave): a discount over 15% is a deviation the head must see.
if var('discount', 0) > 15 then
  deviation{message = "discount " .. discount .. "% for " .. client .. " by " .. task.assignee}
end
