"""The classroom web app: students play the planner (game), class mode (store, server), the
scoreboard against the baselines and the exercises with checked answers. See docs/classroom.md
(the teacher's page) and ``econsim classroom --help``."""
