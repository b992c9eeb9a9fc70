"""The war of attrition while the parties talk: exogenous state and moving reservation values.

Core objects:
    WarState: a frozen, named snapshot of the state at one round (for records and plots).
    Dynamics: the compiled `DynamicsSpec` as arrays: ``initial``, ``step``, ``trajectory``
        and ``reservations``. Pure numpy; the generator is always passed in.
    compile_dynamics: builds a `Dynamics` from a spec (or constant reservations from None).

The model, per round ``r >= 1`` and state variable ``j``::

    x_j(r) = clip(events_r(x_j(r-1) + drift_j + noise_j * z_j(r)), min_j, max_j)

where ``z(r)`` are standard normal draws (taken from the generator only when some
variable has noise) and ``events_r`` applies the events scheduled at round ``r`` in file
order, each setting then adding. The state of round 0 is the declared initial values with
the round-0 events applied. Every actor's reservation value is a declared linear function
of the state::

    reservation_a(r) = clip(base_a + sum_j C[a, j] * (x_j(r) - initial_j), 0, 1)

with ``C`` from the spec's ``reservation`` rules (a zero row for an actor without one).

A ceasefire agreed in stage 1 of ``ceasefire_first`` (an option of the spec's
``ceasefire_effect``) changes the war from the round after the agreement on: for rounds
``r > r_c``, ``drift_j`` becomes ``f_j * drift_j`` and ``noise_j`` becomes ``g_j * noise_j``
(the declared factors, 1 when not listed) and the events the effect calls off no longer
happen; the standard normal draws ``z`` stay the ones drawn when the run was built, so
the same seed gives the same war up to the ceasefire (`Dynamics.with_ceasefire`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.engine.settings import DynamicsSpec

__all__ = ["Dynamics", "WarState", "compile_dynamics"]


@dataclass(frozen=True)
class WarState:
    """The state of the war at one round.

    Attributes:
        round: the round, 0-based.
        values: state variable name -> value, in spec order.
    """

    round: int
    values: dict[str, float]


@dataclass(frozen=True)
class _Event:
    """One compiled event: ``x = where(set_mask, set_values, x) + add``."""

    set_mask: np.ndarray
    set_values: np.ndarray
    add: np.ndarray


@dataclass(frozen=True)
class Dynamics:
    """A compiled `DynamicsSpec`: arrays over the state variables (in spec order).

    Attributes:
        names: the state variable names.
        start: declared initial values, shape (n_vars,); the reference point of the
            reservation rules.
        drift: change per round, shape (n_vars,).
        noise: standard deviation per round, shape (n_vars,).
        lower: lower bounds, shape (n_vars,).
        upper: upper bounds, shape (n_vars,).
        events: round -> the compiled events of that round, in file order.
        ceasefire_options: the ceasefire options that put a ceasefire in force (empty: a
            ceasefire changes nothing).
        ceasefire_drift, ceasefire_noise: shape (n_vars,), the factors on drift and noise
            while a ceasefire holds.
        ceasefire_events: the events that still happen while a ceasefire holds.
        base: the actors' base reservation values, shape (n_actors,).
        coefficients: ``C``, shape (n_actors, n_vars).
    """

    names: tuple[str, ...]
    start: np.ndarray
    drift: np.ndarray
    noise: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    events: dict[int, tuple[_Event, ...]] = field(default_factory=dict)
    base: np.ndarray = field(default_factory=lambda: np.zeros(0))
    coefficients: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    ceasefire_options: tuple[str, ...] = ()
    ceasefire_drift: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ceasefire_noise: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ceasefire_events: dict[int, tuple[_Event, ...]] = field(default_factory=dict)

    @property
    def n_vars(self) -> int:
        """Number of state variables."""
        return len(self.names)

    @property
    def noisy(self) -> bool:
        """Whether any variable has noise (only then is the generator drawn from)."""
        return bool(np.any(self.noise > 0.0))

    def _events_at(self, state: np.ndarray, round: int,
                   events: dict[int, tuple[_Event, ...]] | None = None) -> np.ndarray:
        for ev in (self.events if events is None else events).get(round, ()):
            state = np.where(ev.set_mask, ev.set_values, state) + ev.add
        return state

    def draws(self, rounds: int, rng: np.random.Generator) -> np.ndarray | None:
        """The standard normal draws of ``rounds`` steps, or None when nothing is noisy."""
        return rng.standard_normal((rounds, self.n_vars)) if self.noisy else None

    def with_ceasefire(self, war: np.ndarray, z: np.ndarray | None, start: int) -> np.ndarray:
        """``war`` with a ceasefire in force from round ``start`` on (module docstring).

        Args:
            war: shape (rounds + 1, n_vars), the pre-drawn trajectory.
            z: the draws it was made from (`draws`), or None.
            start: the first round under the ceasefire (>= 1).

        Returns:
            A new trajectory, equal to ``war`` before ``start``.
        """
        out = np.array(war, dtype=np.float64, copy=True)
        drift = self.drift * self.ceasefire_drift
        noise = self.noise * self.ceasefire_noise
        for r in range(max(start, 1), out.shape[0]):
            inc = drift if z is None else drift + noise * z[r - 1]
            out[r] = np.clip(self._events_at(out[r - 1] + inc, r, self.ceasefire_events),
                             self.lower, self.upper)
        return out

    def initial(self) -> np.ndarray:
        """The state of round 0: initial values with round-0 events applied, clipped."""
        return np.clip(self._events_at(self.start.copy(), 0), self.lower, self.upper)

    def step(self, state: np.ndarray, round: int, rng: np.random.Generator) -> np.ndarray:
        """The state of ``round`` from the state of ``round - 1``.

        Args:
            state: shape (n_vars,), the previous round's state.
            round: the round being entered (>= 1).
            rng: the generator for the noise (untouched when no variable is noisy).

        Returns:
            A new state vector.
        """
        inc = self.drift + self.noise * rng.standard_normal(self.n_vars) if self.noisy \
            else self.drift
        x = np.asarray(state, dtype=np.float64) + inc
        return np.clip(self._events_at(x, round), self.lower, self.upper)

    def trajectory(self, rounds: int, rng: np.random.Generator) -> np.ndarray:
        """The states of rounds 0..``rounds``, drawn at once.

        Identical, bit for bit, to ``initial()`` followed by ``rounds`` calls of `step`
        with the same generator, so an engine may pre-draw a whole run and let its outcome
        not depend on how many rounds are actually played.

        Args:
            rounds: the number of steps (>= 0).
            rng: the generator for the noise.

        Returns:
            Shape (rounds + 1, n_vars).
        """
        if rounds < 0:
            raise ValueError(f"rounds must be non-negative, got {rounds}")
        return self.path(rounds, self.draws(rounds, rng))

    def path(self, rounds: int, z: np.ndarray | None) -> np.ndarray:
        """The trajectory of `trajectory` from given draws ``z`` (`draws`)."""
        if z is not None:
            inc = self.drift + self.noise * z
        else:
            inc = np.broadcast_to(self.drift, (rounds, self.n_vars))
        out = np.empty((rounds + 1, self.n_vars))
        out[0] = self.initial()
        unbounded = np.all(np.isinf(self.lower)) and np.all(np.isinf(self.upper))
        if unbounded and all(r == 0 for r in self.events):
            # nothing interrupts the sum: a sequential cumulative sum, same as stepping
            np.cumsum(np.concatenate([out[:1], inc]), axis=0, out=out)
            return out
        for r in range(1, rounds + 1):
            out[r] = np.clip(self._events_at(out[r - 1] + inc[r - 1], r), self.lower, self.upper)
        return out

    def reservations(self, state: np.ndarray) -> np.ndarray:
        """Every actor's reservation value in ``state``.

        Args:
            state: shape (n_vars,), or (n_rounds, n_vars) for a whole trajectory.

        Returns:
            Shape (n_actors,), or (n_rounds, n_actors); each value in [0, 1].
        """
        state = np.asarray(state, dtype=np.float64)
        if self.n_vars == 0:
            return np.broadcast_to(self.base, state.shape[:-1] + self.base.shape).copy()
        return np.clip(self.base + (state - self.start) @ self.coefficients.T, 0.0, 1.0)

    def war_state(self, state: np.ndarray, round: int) -> WarState:
        """A named snapshot of ``state`` at ``round``."""
        return WarState(round, {n: float(v) for n, v in zip(self.names, state, strict=True)})


def compile_dynamics(
    spec: DynamicsSpec | None,
    actor_ids: Sequence[str],
    base_reservations: Sequence[float] | np.ndarray,
) -> Dynamics:
    """Compile a dynamics spec to arrays.

    Args:
        spec: the scenario's dynamics, or None for constant reservation values.
        actor_ids: actor ids in problem order (the rows of ``C``).
        base_reservations: each actor's reservation value from its preferences.

    Returns:
        The compiled `Dynamics`.

    Raises:
        ValueError: if the spec names an unknown actor or state variable, or the base
            reservations do not match the actors.
    """
    actors = list(actor_ids)
    base = np.asarray(base_reservations, dtype=np.float64)
    if base.shape != (len(actors),):
        raise ValueError(
            f"expected {len(actors)} base reservation values, got shape {base.shape}"
        )
    if spec is None:
        empty = np.zeros(0)
        return Dynamics((), empty, empty, empty, empty, empty, {}, base,
                        np.zeros((len(actors), 0)))
    names = tuple(spec.state)
    index = {n: j for j, n in enumerate(names)}

    def var(name: str, where: str) -> int:
        if name not in index:
            raise ValueError(f"{where}: unknown state variable '{name}'; "
                             f"allowed: {', '.join(names)}")
        return index[name]

    svars = [spec.state[n] for n in names]
    start = np.array([v.initial for v in svars], dtype=np.float64)
    events: dict[int, list[_Event]] = {}
    compiled_events: list[_Event] = []
    for k, ev in enumerate(spec.events):
        mask = np.zeros(len(names), dtype=bool)
        values = np.zeros(len(names))
        add = np.zeros(len(names))
        for n, x in ev.set.items():
            j = var(n, f"events[{k}].set")
            mask[j], values[j] = True, x
        for n, x in ev.add.items():
            add[var(n, f"events[{k}].add")] += x
        compiled_events.append(_Event(mask, values, add))
        events.setdefault(ev.round, []).append(compiled_events[-1])
    cf_drift, cf_noise = np.ones(len(names)), np.ones(len(names))
    cf_events: dict[int, list[_Event]] = {}
    effect = spec.ceasefire_effect
    if effect is not None:
        for field_name, group, target in (("drift", effect.drift, cf_drift),
                                          ("noise", effect.noise, cf_noise)):
            for n, x in group.items():
                target[var(n, f"ceasefire_effect.{field_name}")] = x
        labels = {ev.label for ev in spec.events}
        for lab in effect.skip_events:
            if lab not in labels:
                raise ValueError(f"ceasefire_effect.skip_events: unknown event '{lab}'; "
                                 f"allowed: {', '.join(sorted(labels))}")
        for ev, compiled in zip(spec.events, compiled_events, strict=True):
            if ev.label not in effect.skip_events:
                cf_events.setdefault(ev.round, []).append(compiled)
    coefficients = np.zeros((len(actors), len(names)))
    for a, rule in spec.reservation.items():
        if a not in actors:
            raise ValueError(f"reservation: unknown actor '{a}'; allowed: {', '.join(actors)}")
        for n, c in rule.coefficients.items():
            coefficients[actors.index(a), var(n, f"reservation.{a}")] = c
    return Dynamics(
        names=names,
        start=start,
        drift=np.array([v.drift for v in svars], dtype=np.float64),
        noise=np.array([v.noise for v in svars], dtype=np.float64),
        lower=np.array([v.min for v in svars], dtype=np.float64),
        upper=np.array([v.max for v in svars], dtype=np.float64),
        events={r: tuple(evs) for r, evs in events.items()},
        base=base,
        coefficients=coefficients,
        ceasefire_options=tuple(effect.options) if effect is not None else (),
        ceasefire_drift=cf_drift,
        ceasefire_noise=cf_noise,
        ceasefire_events={r: tuple(evs) for r, evs in cf_events.items()},
    )
