"""The supervision points; importing this package registers every implemented point."""

from synthetic.points import correction_detention, env_tax, farmland_tax  # noqa: F401
from synthetic.points import housing_clauses, legal_aid  # noqa: F401

__all__ = ["correction_detention", "env_tax", "farmland_tax", "housing_clauses", "legal_aid"]
