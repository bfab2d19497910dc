"""Pure domain core: configuration, scoring, routing, schedules, assignment, policy. No I/O."""
