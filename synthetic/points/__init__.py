"""The supervision points; importing this package registers every implemented point."""

from synthetic.points import correction_detention, env_tax, farmland_tax, legal_aid  # noqa: F401

__all__ = ["correction_detention", "env_tax", "farmland_tax", "legal_aid"]
