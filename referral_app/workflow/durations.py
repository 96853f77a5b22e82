"""Business days from submission to each milestone, stored for the reports (DESIGN §5).

- to acknowledge: to the first answer, the acknowledgement or else the decision
  (a forward clears the acknowledgement, so the clock runs to the new answer);
- to decision: to the decision, less the business days paused waiting for
  information before it (``paused_business_days`` at the decision; then frozen);
- to enrollment: to the enrollment date.

None for a milestone not reached. The engine calls ``record`` after every event,
so the stored values always follow the milestones; reports read these columns.
"""

from __future__ import annotations

from referral_app.business_days import business_days_between
from referral_app.models import Referral


def record(referral: Referral) -> None:
    submitted = referral.submitted_at
    if submitted is None:
        referral.ack_business_days = None
        referral.decision_business_days = None
        referral.enrollment_business_days = None
        return
    answered = referral.acknowledged_at or referral.decided_at
    referral.ack_business_days = business_days_between(submitted, answered) if answered else None
    if referral.decided_at is None:
        referral.decision_business_days = None
    elif referral.decision_business_days is None:
        # Frozen at the decision: a question asked after it pauses no clock.
        referral.decision_business_days = max(
            0,
            business_days_between(submitted, referral.decided_at)
            - (referral.paused_business_days or 0),
        )
    referral.enrollment_business_days = (
        business_days_between(submitted, referral.enrolled_on) if referral.enrolled_on else None
    )
