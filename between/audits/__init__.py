"""Medical Records Review: review tools, cycles, sampling, answers, agreement, the note detector."""
