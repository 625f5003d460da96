"""Figure functions for the notebooks: tidy tables in, matplotlib figures out (one style)."""
