"""Code the three services share."""
