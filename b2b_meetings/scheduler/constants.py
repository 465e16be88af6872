"""Names the scheduler's services, selectors and forms share."""

# The kind of `conference.core.models.Job` a scheduler run is.
JOB_KIND = "b2b.schedule"
# Why a request was kept out of the engine (next to engine.REASONS).
NOT_APPROVED = "not_approved"
# The run time limits an organiser may choose, in seconds.
TIME_LIMITS = (10, 30, 60, 120)
