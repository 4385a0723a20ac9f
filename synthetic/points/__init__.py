"""The supervision points; importing this package registers every implemented point."""

from synthetic.points import env_tax, farmland_tax  # noqa: F401

__all__ = ["env_tax", "farmland_tax"]
