"""
What "not interested" teaches a viewer's list, no Django: the numbers
(`Lessons`), whom a viewer dismissed (`Dismissed`) and the one rule
(`Lesson`) that both the engine's precomputed lists and the pages' read-time
re-ranking (selectors/suggestions.py) apply, so that both agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class Lessons:
    """
    What "not interested" teaches a viewer's list (the rule: `Lesson`). A
    dismissed person is always left out; these are about the others.
    """

    # One dismissed person of an organisation: its other people's scores × this.
    colleague_factor: float = 0.25
    # This many dismissed people of one organisation: it leaves the list.
    organisation_out_after: int = 2
    # This many dismissed organisations of one kind and country: every
    # organisation of that kind and country × similar_factor, and × it again
    # for each further one dismissed.
    similar_after: int = 2
    similar_factor: float = 0.8


class Dismissed(NamedTuple):
    """Whom a viewer said "not interested" to, as the lessons see them."""

    person_id: int
    organisation_id: int | None  # None: no organisation (teaches nothing beyond the person)
    kind: str = ""
    country: str = ""


@dataclass(frozen=True)
class Lesson:
    """
    What one viewer's dismissals teach (`Lessons` gives the numbers): how
    many of each organisation's people they dismissed, and how many
    organisations of each (kind, country) they dismissed people of. The one
    rule for the engine's precomputed lists and the pages' read-time
    re-ranking, so that both agree.
    """

    people: Mapping[int, int]  # organisation id -> people of it dismissed
    organisations: Mapping[tuple[str, str], int]  # (kind, country) -> organisations dismissed

    @classmethod
    def of(cls, dismissed: Iterable[Dismissed]) -> Lesson:
        people, seen, organisations = {}, set(), {}
        for person_id, organisation_id, kind, country in set(dismissed):
            if organisation_id is None or (organisation_id, person_id) in seen:
                continue
            seen.add((organisation_id, person_id))
            if people.get(organisation_id) is None and kind and country:
                organisations[(kind, country)] = organisations.get((kind, country), 0) + 1
            people[organisation_id] = people.get(organisation_id, 0) + 1
        return cls(people=people, organisations=organisations)

    def __bool__(self):
        return bool(self.people)

    def removes(self, organisation_id, lessons: Lessons) -> bool:
        """Whether the viewer's list leaves out every person of `organisation_id`."""
        return self.people.get(organisation_id, 0) >= lessons.organisation_out_after

    def factor(self, organisation_id, kind, country, lessons: Lessons) -> float:
        """What a person's score is multiplied by (0: their organisation leaves the list)."""
        if organisation_id is None:
            return 1.0
        if self.removes(organisation_id, lessons):
            return 0.0
        factor = 1.0
        if self.people.get(organisation_id, 0):
            factor *= lessons.colleague_factor
        similar = self.organisations.get((kind, country), 0) if kind and country else 0
        if similar >= lessons.similar_after:
            factor *= lessons.similar_factor ** (similar - lessons.similar_after + 1)
        return factor
