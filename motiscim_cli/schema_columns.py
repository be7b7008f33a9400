"""The user rules follow the provisioning schema (`preflight --schema`, `mapping --export`).

`checks.mapping_sources.user_feeds` says what the schema sends to each Motimate attribute; this
module turns that into column choices for the loaders (`SchemaColumn`: the export names of the
Entra attribute, or none when nothing is mapped), drops the rule that only applies to object IDs
when externalId is fed by something else (X002, not a GUID), and words what was done for the
report: which column each attribute was checked on because of the schema, in each export.

A column named with `--column` (or the config's `columns:`) wins over the schema.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from checks.mapping_schema import ProvisioningSchema
from checks.mapping_sources import AttributeFeed, sends_upn_without_mail, user_feeds
from motiscim_cli.loaders.columns import SchemaColumn, entra_names
from motiscim_cli.report import SourceInfo, UserSource
from motiscim_cli.run import CheckOptions

# Only object IDs are GUIDs: with externalId fed by another attribute, X002 predicts nothing.
OBJECT_ID_ONLY_RULES = ("X002",)


@dataclass(frozen=True, slots=True)
class SchemaPlan:
    """What the schema changes about how an export is checked."""

    path: str  # the schema file, as given
    feeds: dict[str, AttributeFeed]  # Motimate attribute -> what the schema sends to it
    overridden: frozenset[str] = frozenset()  # attributes whose column the user named

    @classmethod
    def of(
        cls,
        path: str,
        schema: ProvisioningSchema,
        overrides: Collection[str] = (),
        only: Iterable[str] | None = None,
    ) -> SchemaPlan:
        """The plan for a parsed schema; `overrides`: the attributes named with --column or
        the config's columns:; `only`: follow just these attributes (mapping --export
        checks phone numbers only)."""
        feeds = user_feeds(schema)
        if only is not None:
            wanted = set(only)
            feeds = {a: f for a, f in feeds.items() if a in wanted}
        return cls(path, feeds, frozenset(overrides))

    def _followed(self) -> dict[str, AttributeFeed]:
        return {a: f for a, f in self.feeds.items() if f.moves_column and a not in self.overridden}

    @property
    def columns(self) -> dict[str, SchemaColumn]:
        """For the loaders: the attributes the schema moves to another column, or to none."""
        return {a: SchemaColumn.fed_by(f.target, f.source) for a, f in self._followed().items()}

    @property
    def ignored_rules(self) -> tuple[str, ...]:
        feed = self._followed().get("external_id")
        return OBJECT_ID_ONLY_RULES if feed is not None and feed.state == "attribute" else ()

    @property
    def email_falls_back_to_upn(self) -> bool:
        """The schema sends the UPN as the email of a user without mail, and no --column or
        columns: names the email column instead."""
        return "email" not in self.overridden and sends_upn_without_mail(self.feeds.get("email"))

    def options(self, options: CheckOptions) -> CheckOptions:
        """`options` with the schema's columns, and without the rules that do not apply."""
        ignore = [*options.ignore, *(c for c in self.ignored_rules if c not in options.ignore)]
        return dataclasses.replace(
            options,
            schema_columns=self.columns,
            ignore=ignore,
            email_falls_back_to_upn=self.email_falls_back_to_upn,
        )

    def user_sources(self, sources: Sequence[SourceInfo]) -> list[UserSource]:
        """What was checked where, for every attribute the schema feeds otherwise than the
        guide (the report's `mapping.user_sources`), in the guide's order."""
        readable = [s for s in sources if s.format != "unreadable"]
        result = []
        for attribute, feed in self.feeds.items():
            if feed.state == "guide":
                continue
            state = "overridden" if attribute in self.overridden else feed.state
            columns = {s.path: s.columns.get(attribute) for s in readable}
            result.append(
                UserSource(
                    attribute=attribute,
                    target=feed.target,
                    expression=feed.expression,
                    source=feed.source,
                    state=state,
                    columns=columns,
                    note=self._note(feed, state, columns),
                )
            )
        return result

    def _note(self, feed: AttributeFeed, state: str, columns: dict[str, str | None]) -> str:
        name = f"{feed.target} ({feed.motimate})"
        if state == "not-mapped":
            return (
                f"Nothing is mapped to {feed.target} in the schema: Entra sends no "
                f"{feed.motimate}, so it is not checked."
            )
        if state == "overridden":
            fed = (
                f"Nothing is mapped to {feed.target}"
                if feed.state == "not-mapped"
                else f"{name} is fed by {feed.expression}"
            )
            return (
                f"{fed} in the schema, but checked on "
                f"{_where(columns, 'no column')}, as --column or the config's columns: say."
            )
        if state == "not-followed":
            return (
                f"{name} is fed by {feed.expression} in the schema, which is not one column "
                f"({feed.reason}): checked on {_where(columns, 'no column')}, the guide's."
            )
        source = feed.source or ""
        found = {path: header for path, header in columns.items() if header is not None}
        missing = [path for path, header in columns.items() if header is None]
        where = _where(found, "", name_exports=bool(missing))
        note = f"{name} checked on {where} (from the schema)" if found else ""
        if missing:
            names = " or ".join(entra_names(source))
            lacks = (
                f"{_listed(missing)} {'has' if len(missing) == 1 else 'have'} no {names} "
                f"column, so {feed.motimate} is not checked there"
            )
            if note:
                note += f"; {lacks}"
            else:
                note = f"{name} is fed by {source} in the schema; {lacks}"
        if feed.motimate == "external_id":
            rules = ", ".join(OBJECT_ID_ONLY_RULES)
            note += f". {rules} (not a GUID) not run: only object IDs are GUIDs"
        return note + "."


def _where(columns: dict[str, str | None], none: str, *, name_exports: bool = False) -> str:
    """'column mail', or per export when they differ (or `name_exports`): 'column mail in
    a.csv, Mail in b.csv'."""
    headers = set(columns.values())
    if not columns:
        return none
    if len(headers) == 1 and not name_exports:
        (header,) = headers
        return f"column {header}" if header is not None else none
    parts = [f"{header or 'no column'} in {path}" for path, header in columns.items()]
    return "column " + ", ".join(parts)


def _listed(paths: list[str]) -> str:
    return paths[0] if len(paths) == 1 else ", ".join(paths[:-1]) + " and " + paths[-1]
