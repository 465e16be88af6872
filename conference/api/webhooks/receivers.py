"""Domain events (conference.core.events) become webhook messages."""
