"""The rules a run matches with, as its main process needs them.

The extraction workers compile the rules and the claims lexicon themselves and send back each
article's topics and claims with the versions they were found with. The main process only
checks those versions, so it needs the versions, not the compiled rules: they are read off the
files (`rules_version`, `claims_version`), and the rules are compiled here only for an article
a worker did not match or read with them (a worker whose rules failed to load, or files
changed while the run went on). A run whose workers keep up compiles nothing in its main
process: no time before its first page, no memory for rules it does not use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.claims import ClaimRules
    from pipelines.config import Config
    from pipelines.rules import RuleSet


@dataclass(slots=True)
class RunRules:
    """The versions a worker's results must carry, and the compiled rules on demand."""

    version: str
    """The rules version (`RuleSet.version`)."""
    claims_version: str | None
    """The claims version (`ClaimRules.version`); None: claims are not checked here."""
    files: tuple[Path, Path, Path | None]
    """rules.yaml, entities.yaml and claims.yaml (None: no claims read here)."""
    _ruleset: RuleSet | None = field(default=None, repr=False)
    _claims: ClaimRules | None = field(default=None, repr=False)

    @classmethod
    def of_files(cls, rules_path: Path, entities_path: Path, claims_path: Path) -> RunRules:
        """The versions of the files as they are now, nothing compiled: RuleError or
        ClaimsError (naming the file) when one cannot be read, or claims.yaml not parsed. A
        file that reads but does not compile (edited since the run checked it) is reported
        when an article needs it compiled here: its workers cannot have matched with it."""
        from pipelines.claims.lexicon import claims_version
        from pipelines.rules.loader import rules_version

        files = (Path(rules_path), Path(entities_path), Path(claims_path))
        version = rules_version(files[0], files[1])
        return cls(version, claims_version(files[2], version), files)

    @classmethod
    def of_config(cls, config: Config, ruleset: RuleSet | None) -> RunRules:
        """The rules of a run on `config`: `ruleset`, compiled already, with the config's
        claims lexicon (compiled too, once per process); without one, the versions of the
        config's files (`of_files`)."""
        if ruleset is None:
            return cls.of_files(*config.worker_files)
        from pipelines.claims import cached_claim_rules

        claims = cached_claim_rules(config.claims_path, ruleset.loaded)
        return cls.compiled(ruleset, claims, config.worker_files)

    @classmethod
    def compiled(
        cls,
        ruleset: RuleSet,
        claim_rules: ClaimRules | None = None,
        files: tuple[Path, Path, Path | None] | None = None,
    ) -> RunRules:
        """Rules compiled already: their versions, and they serve every fallback."""
        return cls(
            ruleset.version,
            claim_rules.version if claim_rules is not None else None,
            files or (Path(), Path(), None),
            ruleset,
            claim_rules,
        )

    def ruleset(self) -> RuleSet:
        """The compiled rules: those given (`compiled`: a Prefect flow run, or the first run of
        new files, compiles them up front), else the files' as they are now, compiled once
        per process; their version differs from `version` if the files changed since."""
        if self._ruleset is None:
            from pipelines.rules import cached_ruleset

            self._ruleset = cached_ruleset(self.files[0], self.files[1])
        return self._ruleset

    def claim_rules(self) -> ClaimRules:
        """The compiled claims lexicon, as `ruleset` (only when claims are checked:
        `claims_version` is set)."""
        if self._claims is None:
            if self.claims_version is None or self.files[2] is None:
                raise ValueError("this run checks no claims")
            from pipelines.claims import cached_claim_rules

            self._claims = cached_claim_rules(self.files[2], self.ruleset().loaded)
        return self._claims
