"""``evaljobs validate --format grouped``: the findings grouped by operation and finding, with counts.

Each group is an operation (``api.operationId``, or the request line of an exchange no operation matches) and a
finding's side, severity, kind and place (a JSON pointer with array indices as ``*``, a parameter, or what an
exchange-wide finding is about), with how often it occurred and its first occurrence: its source and message.
Operations with errors come first, then the most findings; within one, errors, then drift, then info, each by
count. At most ``LIMIT`` groups are printed; the rest are counted.
"""

from __future__ import annotations

from evaljobs._digest import Digest, Group, GroupKey
from evaljobs._output import STDOUT, Ending, Piece, Tally, visible
from evaljobs._report import FailOn, Report

LIMIT = 1000
"""The most groups (of findings, and of skipped captures) a grouped report prints."""

_WORDS = {"error": "error", "warning": "drift", "info": "info"}


class GroupedFormat:
    """Nothing per payload: the groups, the skipped captures by reason, and the summary, at the end."""

    holds = joined = covers = False
    digests = True
    head = ""

    def __init__(self, colour: bool, fail_on: FailOn, limit: int = LIMIT) -> None:
        self.fail_on = fail_on
        self.limit = limit
        self.red, self.yellow, self.dim, self.bold, self.reset = (
            ("\033[31m", "\033[33m", "\033[2m", "\033[1m", "\033[0m") if colour else ("", "", "", "", "")
        )

    def report(self, report: Report) -> Piece:
        return STDOUT, ""

    def skipped(self, source: str, reason: str) -> Piece:
        return STDOUT, ""

    def end(self, tally: Tally, held: list[str], ending: Ending) -> list[str]:
        digest = ending.digest
        assert digest is not None  # (digests)
        lines: list[str] = []
        room = self.limit
        left_groups = left_count = 0
        for operation, groups in digest.ordered():
            if room <= 0:
                left_groups += len(groups)
                left_count += sum(group.count for _, group in groups)
                continue
            lines.append(self._operation(operation, digest))
            for key, group in groups:
                if room <= 0:
                    left_groups += 1
                    left_count += group.count
                    continue
                room -= 1
                lines += self._group(key, group)
        if left_groups:
            lines.append(f"... and {left_groups:,} more group(s) of findings ({left_count:,} occurrence(s)) not shown")
        quiet = sorted(
            name
            for name, counts in digest.operations.items()
            if counts.reports and name not in {key.operation for key in digest.groups}
        )
        if quiet:
            lines.append(f"{self.dim}without findings:{self.reset}")
            lines += [
                f"  {visible(name)}: {digest.operations[name].reports:,} payload(s)" for name in quiet[: self.limit]
            ]
            if len(quiet) > self.limit:
                lines.append(f"  ... and {len(quiet) - self.limit:,} more")
        lines += self._skipped(digest)
        distinct, operations = len(digest.groups), len({key.operation for key in digest.groups})
        lines.append(f"{distinct:,} distinct finding(s) in {operations:,} operation(s) or schema(s)")
        lines.append(tally.summary(self.fail_on))
        return [line + "\n" for line in lines]

    def _operation(self, operation: str, digest: Digest) -> str:
        counts = digest.operations[operation]
        parts = [f"{counts.reports:,} payload(s)"]
        if counts.invalid:
            parts.append(f"{counts.invalid:,} invalid")
        if counts.drifted:
            parts.append(f"{counts.drifted:,} with drift")
        return f"{self.bold}{visible(operation)}{self.reset}: {', '.join(parts)}"

    def _group(self, key: GroupKey, group: Group) -> list[str]:
        colour = {"error": self.red, "warning": self.yellow}.get(key.severity, self.dim)
        word = f"{colour}{_WORDS[key.severity]:<5}{self.reset}"
        side = f"{key.side:<8} " if key.side else ""
        return [
            f"  {word} {side}{visible(key.place)}  {key.kind}  x{group.count:,}",
            f"        {self.dim}e.g. {visible(group.source)}: {visible(group.message)}{self.reset}",
        ]

    def _skipped(self, digest: Digest) -> list[str]:
        if not digest.skipped:
            return []
        reasons = sorted(digest.skipped.items(), key=lambda item: (-item[1].count, item[0]))
        lines = [f"{self.dim}skipped:{self.reset}"]
        for reason, group in reasons[: self.limit]:
            lines.append(f"  {visible(reason)}  x{group.count:,}  {self.dim}e.g. {visible(group.source)}{self.reset}")
        if len(reasons) > self.limit:
            rest = sum(group.count for _, group in reasons[self.limit :])
            lines.append(f"  ... and {len(reasons) - self.limit:,} more reason(s) ({rest:,} capture(s))")
        return lines
