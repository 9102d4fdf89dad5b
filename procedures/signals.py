"""What the timeline announces, for other apps to act on without procedures importing them.

`timeline_changed` is sent inside the transaction that changed a procedure's milestones, after
they are saved, with `procedure` and `now`. A receiver that writes (the notifications outbox)
therefore commits or rolls back together with the change that caused it.
"""

from django.dispatch import Signal

timeline_changed = Signal()

# Sent inside the transaction that recorded a red flag (an observation out of range, a complication,
# pain above baseline, an alarming questionnaire answer), with `procedure`, `flag` (a
# procedures.red_flags.RedFlag), `source` (the saved row it came from) and `now`. Notifications
# turns it into an urgent alert that escalates until someone acknowledges it.
red_flag_raised = Signal()

# Sent inside the transaction that moved a patient to another ward (procedures.transfers), after her
# open milestones were planned again in the new ward's zone, with `patient`, `from_ward`, `to_ward`
# and `now`. Notifications moves what is still to be sent or answered to the new ward.
patient_transferred = Signal()
