"""Many-to-many relations prefetched as plain lists.

A relation prefetched the usual way is kept as a queryset that each access reaches through a
related manager, which Django builds anew every time: on a page of 100 pilots with their
countries, groups, target groups and approaches, about a thousand managers and querysets,
a fifth of the render. `prefetch_list` keeps a plain list on each record instead, and a
`ListedRelation` attribute reads it, or queries the relation for a record fetched without.
"""

from django.db.models import Prefetch


def prefetch_list(relation, queryset=None):
    """Prefetch `relation` for `record.<relation>_list` (a ListedRelation)."""
    return Prefetch(relation, queryset=queryset, to_attr=f"_{relation}_list")


class ListedRelation:
    """`record.<relation>_list`: the records of `relation`, as a list."""

    def __set_name__(self, owner, name):
        self.relation = name.removesuffix("_list")
        self.prefetched = f"_{name}"

    def __get__(self, record, owner=None):
        if record is None:
            return self
        listed = record.__dict__.get(self.prefetched)
        if listed is None:
            return list(getattr(record, self.relation).all())
        return listed
