"""The dashboard's global filters as one immutable value (hashable, so it can key caches)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Filters:
    """Which reviews (and searches) an aggregate covers. Empty tuples and None mean 'no restriction'."""

    dataset_ids: tuple[int, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    categories: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    rating_min: float | None = None
    rating_max: float | None = None

    def for_searches(self) -> "Filters":
        """What a search aggregate reads of these filters: the date range (a search log has no dataset, product,
        category, language or rating). core.views.call_args asks the search views with only this, so they are shared
        with the unfiltered ones whatever else is set."""
        return Filters(date_from=self.date_from, date_to=self.date_to)

    def describe(self) -> str:
        """Plain words for report headers: 'all reviews' or 'category: Dresses; 2026-01-01 to 2026-03-31'."""
        parts = []
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '…'} to {self.date_to or '…'}")
        for name, values in (("category", self.categories), ("product", self.products), ("language", self.langs)):
            if values:
                parts.append(f"{name}: {', '.join(values)}")
        if self.rating_min is not None or self.rating_max is not None:
            parts.append(f"rating {self.rating_min or 0:g}-{self.rating_max or 5:g}")
        return "; ".join(parts) or "all reviews"
