"""The reports of `evaljobs validate`: the summary line's counts."""

from __future__ import annotations

from evaljobs._output import Tally
from evaljobs._report import Drift, Error, Report

RUN = "gradient.EvaluationRunRetrieveResponse"


def test_the_summary_counts_drift_among_valid_payloads_only() -> None:
    tally = Tally()
    drift = [Drift("/x", "unknown_field", "field 'x' is not in the spec")]
    tally.add(Report("bad", RUN, errors=[Error("/y", "expected an integer")], drift=drift), strict=False)
    assert tally.summary(strict=False) == "1 payload(s): 0 valid (0 with drift), 1 invalid"
    tally.add(Report("drifted", RUN, drift=drift), strict=False)
    tally.add(Report("clean", RUN), strict=False)
    assert tally.summary(strict=False) == "3 payload(s): 2 valid (1 with drift), 1 invalid"
