"""The terms negsim's output uses, one line each (under the CLI's tables and in reports).

Core objects:
    TERMS: term -> its one-line definition, in the order they are shown.
    lines: ``"term: definition"`` for some terms, in `TERMS` order.

Like `sim.errors`, this module belongs to no layer: it imports nothing, every layer may
read it.

Example:
    >>> lines("SPE", "stillborn")[0].split(";")[0]  # in TERMS order
    'stillborn: a deal the negotiators struck that the ratifiers then rejected'
"""

from __future__ import annotations

__all__ = ["TERMS", "lines"]

TERMS: dict[str, str] = {
    "feasible": "allowed by the agenda, inside every participating actor's red lines and worth "
    "at least its reservation value to each.",
    "Pareto-optimal": "no other package is better for some actor and worse for none.",
    "Nash": "the feasible package that maximises the product of the actors' gains over their "
    "reservation values.",
    "Kalai-Smorodinsky (KS)": "the feasible package that maximises the smallest gain, each "
    "gain a share of what the actor's best feasible package would give it.",
    "egalitarian": "the feasible package that maximises the smallest gain over the reservation "
    "values.",
    "utilitarian": "the feasible package that maximises the sum of utilities.",
    "Nash distance": "how far, in utility space, a deal lies from the Nash solution (0: it is "
    "the Nash solution).",
    "reservation value": "an actor's utility of no deal (its BATNA): it accepts nothing worth "
    "less.",
    "stillborn": "a deal the negotiators struck that the ratifiers then rejected; it is not an "
    "agreement.",
    "SPE": "subgame-perfect equilibrium: what fully rational actors would agree on under the "
    "protocol (backward induction).",
    "blocks alone": "packages that meet every other constraint and red line but not this one.",
}


def lines(*terms: str) -> list[str]:
    """``"term: definition"`` for each of ``terms`` (all when none), in `TERMS` order.

    Raises:
        KeyError: a term that is not in `TERMS`.
    """
    for term in terms:
        if term not in TERMS:
            raise KeyError(term)
    chosen = terms or tuple(TERMS)
    return [f"{term}: {text}" for term, text in TERMS.items() if term in chosen]
