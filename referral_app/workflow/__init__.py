"""The referral lifecycle (DESIGN §3): one package owns it.

- ``states``: the states, events and sides; the table ``(state, event, side) →
  target``; every state set (open, terminal, decided, redirectable, paused) derived
  from it; each state's label and FHIR mapping. Imports nothing of the project
  but ``referral_app.enums``, so the models' CHECK constraints read it.
- ``spec``: one spec per event (fields, guard, effect, audience, words) and the
  table's rows joined to them (``TRANSITIONS``).
- ``engine``: ``apply_event``, the one function that changes a referral.
- ``clocks``: the due dates and how they start, pause and restart; overdue.
- ``dates``: which consult, consent and enrollment dates make sense.
- ``fields``, ``guards``, ``drafts``, ``redirect``, ``history``, ``durations``:
  the parts the specs are made of.
- ``builder``: referral histories driven through ``apply_event`` with a given
  clock (the demo seed, the tests, the benchmark's samples).

Import the module you need (``from referral_app.workflow import engine``): this
file imports nothing, so that the models may read ``states`` without a cycle.
"""
