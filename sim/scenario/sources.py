"""Provenance of a scenario's numbers and red lines: a graded quote or an assumption.

Core objects:
    GRADES: what a quote can support (``value``, ``ordering``, ``topic``).
    Source: a verbatim ``quote`` of the source article with its grade (and optionally how
        the number follows from it), or a one-line ``assumption``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

__all__ = ["GRADES", "Grade", "Source"]


#: What a quote supports: ``value`` (the passage states the number), ``ordering`` (a
#: direction or ranking the number respects; its size is a judgement) or ``topic`` (only the
#: subject). For a red line or a strategy, ``value`` means the passage states the constraint or
#: behaviour itself.
GRADES = ("value", "ordering", "topic")
Grade = Literal["value", "ordering", "topic"]


class Source(BaseModel):
    """Where a parameter comes from: a graded quote of the article, or a stated assumption.

    A ``quote`` must say what it ``supports`` (see `GRADES`) and may carry a ``derivation``
    (how the number follows from the passage, with the conversions used); an
    ``assumption`` is a one-line rationale saying why this number, or that it is a judgement
    to be swept.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    quote: str | None = Field(None, description="A verbatim passage of the source article.")
    supports: Grade | None = Field(
        None,
        description="What the quote supports: 'value' (the passage states the number), "
        "'ordering' (a direction or ranking) or 'topic' (only the subject). Required with "
        "a quote.",
    )
    derivation: str | None = Field(
        None, description="With a quote: how the number follows from the passage."
    )
    assumption: str | None = Field(
        None, description="A one-line rationale, where the article is silent."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Source:
        if (self.quote is None) == (self.assumption is None):
            raise PydanticCustomError(
                "source", "give exactly one of 'quote' or 'assumption'"
            )
        text = self.quote if self.quote is not None else self.assumption
        if not text or not text.strip():
            raise PydanticCustomError("source", "the quote or assumption must not be empty")
        if self.quote is not None and self.supports is None:
            raise PydanticCustomError(
                "source", "a quote needs 'supports': one of {grades}",
                {"grades": ", ".join(GRADES)},
            )
        if self.assumption is not None and (self.supports or self.derivation) is not None:
            raise PydanticCustomError(
                "source", "'supports' and 'derivation' grade a quote; an assumption has neither"
            )
        if self.derivation is not None and not self.derivation.strip():
            raise PydanticCustomError("source", "the derivation must not be empty")
        return self
