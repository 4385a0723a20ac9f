"""The supervision points; importing this package registers every implemented point."""

from synthetic.points import (  # noqa: F401  (each module registers its point)
    correction_detention, env_tax, farmland_tax, housing_clauses, legal_aid, shell_company)

__all__ = ["correction_detention", "env_tax", "farmland_tax", "housing_clauses", "legal_aid",
           "shell_company"]
