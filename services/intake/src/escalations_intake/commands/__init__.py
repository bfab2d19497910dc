"""Commands that publish for the router: create an escalation, act on one, change schedules."""
