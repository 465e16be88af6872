"""Names the scheduler's services, selectors and forms share."""

# The kind of `conference.core.models.Job` a scheduler run is.
JOB_KIND = "b2b.schedule"
# Why a request was kept out of the engine (next to engine.REASONS).
NOT_APPROVED = "not_approved"
# The run time limits an organiser may choose, in seconds.
TIME_LIMITS = (10, 30, 60, 120)

# How much a meeting wish weighs for the auto-scheduler, by its priority
# (MeetingRequest.Priority: 1 if time allows, 2 would like, 3 must). A step
# up triples the weight, so one "must" outweighs two "would like"s; a
# mutual wish weighs both sides' wishes together.
WISH_WEIGHTS = {1: 1, 2: 3, 3: 9}


def wish_weight(priority, counter_priority=None):
    """The engine weight of a wish of `priority`, answered with `counter_priority` (or None)."""
    weight = WISH_WEIGHTS.get(priority, WISH_WEIGHTS[2])
    if counter_priority:
        weight += WISH_WEIGHTS.get(counter_priority, 0)
    return weight
